"""Errors of the speed layer, all deriving from Clarion's base errors."""

from __future__ import annotations

from clarion.exceptions import ClarionError, ConfigurationError
from clarion.expressions import ExpressionError  # the one language of rules and segments

__all__ = [
    "DeliveryError",
    "ExpressionError",
    "RuleFileError",
    "SpeedLayerError",
    "StateError",
]


class SpeedLayerError(ClarionError):
    """Base of the speed layer's errors."""


class RuleFileError(ConfigurationError, SpeedLayerError):
    """A trigger rule file is invalid; the message names the file, the rule and the field."""


class StateError(SpeedLayerError):
    """The real-time view could not be read or written (Redis unreachable, bad reply)."""


class DeliveryError(SpeedLayerError):
    """Kafka refused the transaction in a way a retry cannot fix (fenced, unauthorized)."""
