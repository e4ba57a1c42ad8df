"""Clarion's speed layer: events -> validation -> real-time view in Redis -> trigger rules
-> intents in ``notify.intents``, exactly once per cause (see ``README.md``)."""

from speed_layer.error_policy import ErrorPolicy
from speed_layer.exceptions import (
    DeliveryError,
    ExpressionError,
    RuleFileError,
    SpeedLayerError,
    StateError,
)
from speed_layer.options import ConsumerOptions
from speed_layer.pipeline import BatchOutcome, PartitionStatus, Processor

__all__ = [
    "BatchOutcome",
    "ConsumerOptions",
    "DeliveryError",
    "ErrorPolicy",
    "ExpressionError",
    "PartitionStatus",
    "Processor",
    "RuleFileError",
    "SpeedLayerError",
    "StateError",
]
