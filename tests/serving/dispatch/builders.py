"""Small builders for dispatcher tests: one valid intent, recipient and policy, overridable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from serving.dispatch import DispatchPolicy, Intent, LoadSignal, Recipient

# A Wednesday, 15:00 UTC: 10:00 in New York, 16:00 in Paris, 00:00 in Tokyo.
T0 = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
CALM = LoadSignal()

_SOURCE_OF = {
    "marketing": "campaign",
    "triggered": "trigger",
    "risk_alert": "trigger",
    "transactional": "transactional",
}


def intent(**overrides: Any) -> Intent:
    """A marketing email+push intent for u1, created at T0."""
    priority = overrides.get("priority", "marketing")
    fields: dict[str, Any] = {
        "intent_id": "i-1",
        "user_id": "u1",
        "channels": ("push", "email"),
        "source": _SOURCE_OF.get(priority, "campaign"),
        "source_id": "spring-sale",
        "priority": priority,
        "payload": {"template": "spring", "discount": 10},
        "idempotency_key": "spring-sale:run-1",
        "created_at": T0,
    }
    fields.update(overrides)
    return Intent(**fields)


def recipient(**overrides: Any) -> Recipient:
    """u1 in New York, consenting and reachable on every channel but sms."""
    fields: dict[str, Any] = {
        "user_id": "u1",
        "timezone": "America/New_York",
        "locale": "en-US",
        "consent": {"email": True, "push": True, "in_app": True, "webhook": True},
        "contacts": {
            "email": "u1@example.com",
            "push": "token-u1",
            "in_app": "u1",
            "webhook": "https://example.com/hook",
        },
    }
    fields.update(overrides)
    return Recipient(**fields)


def policy(**overrides: Any) -> DispatchPolicy:
    return DispatchPolicy.model_validate(overrides)


def series(count: int, *, start: datetime = T0, step: timedelta) -> list[datetime]:
    return [start + step * i for i in range(count)]
