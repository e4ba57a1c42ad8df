"""The delivery status of each notification, by id: the worker's memory across restarts.

``sending`` is written (durably) before each call to the provider, with the attempt
number; a final status (``delivered``, ``dead_lettered``, ``failed``) after it. A
redelivered Kafka record whose notification already has a final status is not sent
again. ``source`` (topic, partition, offset) tells a redelivery of the same record
(replay its receipt) from a second record for the same notification (a duplicate).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from clarion.events import Channel

__all__ = ["FINAL_STATUSES", "InMemoryStatusStore", "StatusRecord", "StatusStore", "TrackedStatus"]

TrackedStatus = Literal["sending", "delivered", "failed", "dead_lettered"]
FINAL_STATUSES: frozenset[str] = frozenset({"delivered", "failed", "dead_lettered"})


@dataclass(frozen=True, slots=True)
class StatusRecord:
    notification_id: str
    user_id: str
    channel: Channel
    status: TrackedStatus
    attempts: int
    provider: str
    updated_at: datetime
    source_topic: str
    source_partition: int
    source_offset: int
    provider_ref: str | None = None
    reason: str | None = None
    error: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    def same_source(self, topic: str, partition: int, offset: int) -> bool:
        return (self.source_topic, self.source_partition, self.source_offset) == (
            topic,
            partition,
            offset,
        )


class StatusStore(ABC):
    """Lifecycle: ``setup`` (create what is missing, idempotent), ``get``/``put``, ``close``."""

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Create tables if missing."""

    @abstractmethod
    def get(self, notification_id: str) -> StatusRecord | None:
        """The current status, or ``None`` if this notification was never attempted."""

    @abstractmethod
    def put(self, record: StatusRecord) -> None:
        """Write ``record`` durably (returns only once it is acknowledged)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what ``setup`` acquired."""


class InMemoryStatusStore(StatusStore):
    """A real store kept in a dict (unit tests)."""

    def __init__(self) -> None:
        self.rows: dict[str, StatusRecord] = {}
        self.writes: list[StatusRecord] = []

    def get(self, notification_id: str) -> StatusRecord | None:
        return self.rows.get(notification_id)

    def put(self, record: StatusRecord) -> None:
        self.rows[record.notification_id] = replace(record)
        self.writes.append(record)
