"""What flows through the speed layer: consumed messages, validated events, dead letters
and the intents it emits."""

from speed_layer.models.dead_letter import DLQ_HEADERS, DeadLetter
from speed_layer.models.events import Invalid, InvalidReason, ValidEvent, validate
from speed_layer.models.intent import (
    PRIORITIES,
    Intent,
    IntentPriority,
    idempotency_key,
    intent_id,
)
from speed_layer.models.messages import SourceMessage
from speed_layer.models.schemas import SCHEMAS, EventSchema

__all__ = [
    "DLQ_HEADERS",
    "PRIORITIES",
    "SCHEMAS",
    "DeadLetter",
    "EventSchema",
    "Intent",
    "IntentPriority",
    "Invalid",
    "InvalidReason",
    "SourceMessage",
    "ValidEvent",
    "idempotency_key",
    "intent_id",
    "validate",
]
