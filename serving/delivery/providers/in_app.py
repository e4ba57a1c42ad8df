"""In-app delivery: the inbox *is* the provider.

The dispatcher writes every send to the user's inbox before producing it to
``outbound.in_app``; delivering it means checking that the inbox row is there and
recording ``delivered`` in the status table (the worker does that for every channel),
which the API shows next to each inbox item. A missing row is a permanent failure.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from serving.delivery.exceptions import PermanentDeliveryError
from serving.delivery.providers.base import DeliveryProvider
from serving.outbound import OutboundMessage

__all__ = ["InAppProvider", "InMemoryInbox", "InboxLookup"]


class InboxLookup(ABC):
    @abstractmethod
    def contains(self, *, user_id: str, notification_id: str, sent_at: datetime) -> bool:
        """Whether the user's inbox holds this notification (``sent_at`` = its decision time)."""


class InMemoryInbox(InboxLookup):
    """A real inbox kept in a set (unit tests)."""

    def __init__(self) -> None:
        self.rows: set[tuple[str, str]] = set()

    def contains(self, *, user_id: str, notification_id: str, sent_at: datetime) -> bool:
        return (user_id, notification_id) in self.rows


class InAppProvider(DeliveryProvider):
    name = "inbox"
    channel = "in_app"

    def __init__(self, *, inbox: InboxLookup) -> None:
        self._inbox = inbox

    def send(self, message: OutboundMessage) -> str | None:
        found = self._inbox.contains(
            user_id=message.user_id,
            notification_id=message.notification_id,
            sent_at=message.decided_at,
        )
        if not found:
            raise PermanentDeliveryError(
                f"no inbox row for notification {message.notification_id} of user "
                f"{message.user_id}: the dispatcher writes it before producing to outbound",
                reason="inbox_row_missing",
            )
        return None
