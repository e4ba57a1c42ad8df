"""Outbound messages for the delivery tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from serving.outbound import OutboundMessage, notification_id

__all__ = ["outbound"]


def outbound(
    n: int, *, channel: str = "webhook", address: str = "http://127.0.0.1:9/hook", **overrides: Any
) -> OutboundMessage:
    user = f"u{n:06d}"
    key = f"test:{n}:{uuid.uuid4().hex}"  # fresh per call: the status table dedupes
    values: dict[str, Any] = {
        "notification_id": notification_id(user, key),
        "intent_id": f"intent-{n}",
        "idempotency_key": key,
        "user_id": user,
        "channel": channel,
        "address": address,
        "subject": f"Hello {n}",
        "body": f"Body of message {n}",
        "data": {"n": n, "deep_link": f"app://item/{n}"},
        "source": "trigger",
        "source_id": "cart_abandoned",
        "priority": "triggered",
        "decided_at": datetime(2026, 11, 27, 12, 0, tzinfo=UTC) + timedelta(seconds=n),
    }
    values.update(overrides)
    return OutboundMessage(**values)
