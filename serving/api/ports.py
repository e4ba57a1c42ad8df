"""What the API reads and writes, each behind a small interface with a real in-memory twin.

The Cassandra and Redis readers of :mod:`serving.inbox`, :mod:`serving.preferences`,
:mod:`serving.view` and :mod:`serving.delivery` already fit these; the Kafka intent
publisher lives here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka import errors as kafka_errors

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings
from serving.api.exceptions import IntentPublishError
from serving.delivery.status import StatusRecord
from serving.inbox import DecisionRecord, InboxItem
from serving.preferences import PreferenceStore
from serving.view import MergedView

__all__ = [
    "ApiServices",
    "DecisionReader",
    "InMemoryIntentPublisher",
    "InboxReader",
    "IntentPublisher",
    "KafkaIntentPublisher",
    "StatusReader",
    "ViewReader",
]


class InboxReader(Protocol):
    def list(self, user_id: str, *, limit: int = 50) -> list[InboxItem]: ...


class DecisionReader(Protocol):
    def list(self, user_id: str, *, limit: int = 50) -> list[DecisionRecord]: ...


class ViewReader(Protocol):
    def read(self, user_id: str) -> MergedView: ...


class StatusReader(Protocol):
    def get(self, notification_id: str) -> StatusRecord | None: ...


class IntentPublisher(ABC):
    @abstractmethod
    def publish(self, *, key: bytes, value: bytes) -> None:
        """Write one intent durably (returns once acknowledged) or raise IntentPublishError."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the connection."""


class InMemoryIntentPublisher(IntentPublisher):
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes]] = []

    def publish(self, *, key: bytes, value: bytes) -> None:
        self.sent.append((key, value))


class KafkaIntentPublisher(IntentPublisher):
    """``acks=all`` and a synchronous ``get``: a 202 means the intent is in Kafka."""

    def __init__(self, kafka: KafkaSettings, *, topic: str, timeout: float = 10.0) -> None:
        self.topic, self._timeout = topic, timeout
        self.client = KafkaProducer(
            **client_options(kafka),
            acks="all",
            client_id="clarion-api",
            max_block_ms=int(timeout * 1000),
        )

    def publish(self, *, key: bytes, value: bytes) -> None:
        try:
            self.client.send(self.topic, key=key, value=value).get(timeout=self._timeout)
        except kafka_errors.KafkaError as exc:
            raise IntentPublishError(
                f"Kafka did not take the intent on {self.topic}: {exc!r}"
            ) from exc

    def check(self) -> None:
        """Health: the intents topic's partitions are known to the broker."""
        if not self.client.partitions_for(self.topic):
            raise IntentPublishError(f"Kafka knows no partitions of {self.topic}")

    def close(self) -> None:
        self.client.close(timeout=5)


@dataclass
class ApiServices:
    """Everything the routes use; ``checks`` name -> a callable raising when unhealthy."""

    inbox: InboxReader
    decisions: DecisionReader
    preferences: PreferenceStore
    view: ViewReader
    intents: IntentPublisher
    statuses: StatusReader | None = None
    checks: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    closers: list[Callable[[], Any]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
