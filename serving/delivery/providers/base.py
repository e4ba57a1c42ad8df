"""The provider interface every channel adapter implements: setup / send / close.

``send`` either returns (the provider accepted the message; the return value is the
provider's own reference, if it gives one) or raises
:class:`~serving.delivery.exceptions.TransientDeliveryError` (worth retrying) or
:class:`~serving.delivery.exceptions.PermanentDeliveryError` (retrying cannot help).
Adapters do I/O and translate errors; retries, the breaker and dedupe live in the worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from clarion.events import Channel
from serving.outbound import OutboundMessage

__all__ = ["DeliveryProvider", "InMemoryProvider"]


class DeliveryProvider(ABC):
    """One provider behind one channel (an SMTP relay, a push service, webhook receivers)."""

    name: str = "provider"
    channel: Channel

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Open connections, check configuration. Called once before the first send."""

    @abstractmethod
    def send(self, message: OutboundMessage) -> str | None:
        """Hand ``message`` to the provider; return its reference for the message, if any."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. Safe to call twice."""


class InMemoryProvider(DeliveryProvider):
    """A real provider that keeps what it accepts in a list (unit tests, demos).

    ``failures`` are raised, one per call, before it starts accepting.
    """

    name = "memory"

    def __init__(self, *, channel: Channel, failures: list[Exception] | None = None) -> None:
        self.channel = channel
        self.failures = list(failures or [])
        self.accepted: list[OutboundMessage] = []
        self.calls = 0

    def send(self, message: OutboundMessage) -> str | None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.accepted.append(message)
        return f"mem-{len(self.accepted)}"
