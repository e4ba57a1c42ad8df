"""The contract between the dispatcher and the delivery workers: one rendered send.

The dispatcher writes an :class:`OutboundMessage` to ``outbound.<channel>`` (message
key = user id, JSON value) once it has decided ``send`` and rendered the template;
the delivery worker for that channel reads it, delivers it, and reports a
:class:`DeliveryReceipt` to ``delivery.receipts``.

``notification_id`` is derived from the intent's idempotency key, so a dispatcher
that crashes after producing and decides again produces the same id: delivery
workers dedupe on it, and the inbox row of an in-app message is keyed by it.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from clarion.events import Channel

__all__ = [
    "RECEIPTS_TOPIC",
    "DeliveryReceipt",
    "DeliveryStatus",
    "OutboundMessage",
    "notification_id",
    "outbound_topic",
]

RECEIPTS_TOPIC = "delivery.receipts"
_NAMESPACE = uuid.UUID("0b6f7d52-6a0e-4f35-9d1c-5f3f0c2b9e41")

DeliveryStatus = Literal["delivered", "failed", "dead_lettered", "skipped_duplicate"]


def outbound_topic(channel: Channel | str, prefix: str = "") -> str:
    """``outbound.<channel>``, under an optional prefix (tests isolate by prefix)."""
    return f"{prefix}outbound.{channel}"


def notification_id(user_id: str, idempotency_key: str) -> str:
    """A UUIDv5 of (user, idempotency key): the same for every retry of one notification."""
    return str(uuid.uuid5(_NAMESPACE, f"{user_id}\x1f{idempotency_key}"))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutboundMessage(_Frozen):
    """A decided, rendered notification for one user on one channel."""

    notification_id: str = Field(min_length=1)
    intent_id: str = Field(min_length=1)
    idempotency_key: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    channel: Channel
    address: str = Field(
        min_length=1,
        description="e-mail address, push token, webhook URL, or the user id for in_app",
    )
    locale: str = "en"
    subject: str | None = None
    body: str
    data: dict[str, JsonValue] = Field(default_factory=dict, description="payload for push/webhook")
    source: Literal["campaign", "trigger", "transactional"]
    source_id: str
    priority: Literal["transactional", "risk_alert", "triggered", "marketing"]
    variant: str | None = None
    decided_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> OutboundMessage:
        return cls.model_validate_json(raw)


class DeliveryReceipt(_Frozen):
    """What happened to one :class:`OutboundMessage` at its provider."""

    notification_id: str
    user_id: str
    channel: Channel
    status: DeliveryStatus
    attempts: int = Field(ge=0)
    provider: str
    error: str | None = None
    at: AwareDatetime

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> DeliveryReceipt:
        return cls.model_validate_json(raw)
