"""What the runtime handles: a :class:`WorkItem` in, a :class:`Planned` outcome out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from serving.dispatch.decision import Decision
from serving.dispatch.intent import Intent
from serving.outbound import OutboundMessage

__all__ = ["DeadLetter", "Origin", "Planned", "WorkItem"]

Origin = Literal["kafka", "deferred"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One intent to decide: read from ``notify.intents`` or claimed from the deferred queue."""

    intent: Intent
    raw: bytes
    origin: Origin


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An unreadable intent: its original bytes, and why (``reason`` is a short code)."""

    key: bytes | None
    value: bytes | None
    reason: str
    detail: str
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Planned:
    """The decision for one item and the effects it asks for.

    ``message`` is set for a send (the outbound message, also the inbox row); a
    decision with ``deliver_at`` re-queues the intent. ``redo`` marks a send re-emitted
    because the first attempt's effects were lost.
    """

    item: WorkItem
    decision: Decision
    message: OutboundMessage | None = None
    redo: bool = False
