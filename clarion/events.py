"""The event contract: what producers write to Kafka ``events`` and ``bronze.events`` holds.

One JSON object per message, key = user id::

    {"schema_version": 1, "event_id": "…", "user_id": "u000000042", "type": "purchase",
     "ts": "2026-11-27T20:42:14.123Z", "properties": {"amount": 42.5, "category": "shoes"}}

``ts`` is UTC in ISO-8601 with a ``Z``. Each event type declares the properties it
must carry (:data:`REQUIRED_PROPERTIES`); extra properties are allowed. The speed
layer validates against this module; the batch layer's clean step does the same in
Spark from the same declarations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "EVENT_TYPES",
    "REQUIRED_PROPERTIES",
    "SCHEMA_VERSION",
    "Channel",
    "Event",
    "EventType",
    "format_ts",
]

SCHEMA_VERSION: Final = 1

EventType = Literal[
    "app_open",
    "page_view",
    "product_view",
    "search",
    "wishlist",
    "add_to_cart",
    "purchase",
    "transaction",
    "login_success",
    "login_failure",
    "notification_delivered",
    "notification_opened",
    "notification_clicked",
]
EVENT_TYPES: Final[tuple[str, ...]] = get_args(EventType)

Channel = Literal["email", "push", "sms", "in_app", "webhook"]
CHANNELS: Final[tuple[str, ...]] = get_args(Channel)

CATEGORIES: Final[tuple[str, ...]] = (
    "electronics",
    "fashion",
    "home",
    "beauty",
    "sports",
    "books",
    "grocery",
    "toys",
)

# Property name -> Python type(s) it must have, per event type.
REQUIRED_PROPERTIES: Final[dict[str, dict[str, tuple[type, ...]]]] = {
    "app_open": {},
    "page_view": {"page": (str,)},
    "product_view": {"product_id": (str,), "category": (str,), "price": (int, float)},
    "search": {"query": (str,)},
    "wishlist": {"product_id": (str,), "category": (str,)},
    "add_to_cart": {"product_id": (str,), "category": (str,), "price": (int, float)},
    "purchase": {"order_id": (str,), "amount": (int, float), "category": (str,)},
    "transaction": {"amount": (int, float), "merchant": (str,)},
    "login_success": {},
    "login_failure": {},
    "notification_delivered": {"notification_id": (str,), "channel": (str,)},
    "notification_opened": {"notification_id": (str,), "channel": (str,)},
    "notification_clicked": {"notification_id": (str,), "channel": (str,)},
}


def format_ts(moment: datetime) -> str:
    """UTC ISO-8601 with millisecond precision and a ``Z``, as the contract requires."""
    if moment.tzinfo is None:
        raise ValueError("event timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    """One event as the contract defines it."""

    event_id: str
    user_id: str
    type: str
    ts: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema_version": self.schema_version,
                "event_id": self.event_id,
                "user_id": self.user_id,
                "type": self.type,
                "ts": format_ts(self.ts),
                "properties": self.properties,
            },
            separators=(",", ":"),
        )

    def key(self) -> bytes:
        """The Kafka message key: the user id, so a user's events stay in one partition."""
        return self.user_id.encode()
