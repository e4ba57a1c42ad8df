"""The intent a fired trigger emits to ``notify.intents``: a plain dataclass and its JSON.

Wire format (JSON, message key = user id)::

    {"intent_id": "…", "user_id": "u1", "source": "trigger", "source_id": "cart_abandoned",
     "priority": "triggered", "channels": ["push", "email"], "payload": {…},
     "idempotency_key": "cart_abandoned:e-123", "event_time": "2026-…Z",
     "created_at": "2026-…Z", "ttl_seconds": 3600}

``idempotency_key`` is the rule id and the id of the event that caused the firing, so
a replay after a crash produces the same key; ``intent_id`` is derived from it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

__all__ = ["PRIORITIES", "Intent", "IntentPriority", "idempotency_key", "intent_id"]

IntentPriority = Literal["transactional", "risk_alert", "triggered", "marketing"]
PRIORITIES: tuple[str, ...] = get_args(IntentPriority)
_NAMESPACE = uuid.UUID("6f1b2a8e-3c4d-5e6f-8a9b-0c1d2e3f4a5b")


def idempotency_key(rule_id: str, *cause_event_ids: str) -> str:
    """``<rule id>:<cause event id>[+<more ids>]``: the same for every replay of the cause."""
    return f"{rule_id}:{'+'.join(cause_event_ids)}"


def intent_id(key: str) -> str:
    """A UUID derived from the idempotency key (UUIDv5), so replays give the same id."""
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True, slots=True)
class Intent:
    """One wish to notify one user, as the serving dispatcher receives it."""

    intent_id: str
    user_id: str
    source_id: str
    priority: IntentPriority
    channels: tuple[str, ...]
    payload: dict[str, Any]
    idempotency_key: str
    event_time: str
    created_at: str
    ttl_seconds: int
    source: Literal["trigger", "campaign", "transactional"] = "trigger"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> bytes:
        doc = asdict(self)
        doc.pop("extra")
        doc["channels"] = list(self.channels)
        return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()

    def key(self) -> bytes:
        return self.user_id.encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Intent:
        doc = json.loads(raw)
        known = {name for name in cls.__dataclass_fields__ if name != "extra"}
        extra = {k: v for k, v in doc.items() if k not in known}
        values = {k: v for k, v in doc.items() if k in known}
        values["channels"] = tuple(values["channels"])
        return cls(**values, extra=extra)

    def identity(self) -> tuple[Any, ...]:
        """Everything but ``created_at``: equal for the first run and any replay."""
        return (
            self.intent_id,
            self.user_id,
            self.source,
            self.source_id,
            self.priority,
            self.channels,
            json.dumps(self.payload, sort_keys=True),
            self.idempotency_key,
            self.event_time,
            self.ttl_seconds,
        )
