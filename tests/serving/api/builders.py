"""In-memory services for the API's unit tests, and rows shared with the stack tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from serving.api import ApiServices, InMemoryIntentPublisher
from serving.delivery import InMemoryStatusStore, StatusRecord
from serving.dispatch.decision import Decision
from serving.inbox import DecisionRecord, InboxItem
from serving.preferences import InMemoryPreferenceStore
from serving.stores import InMemoryBatchViewStore
from serving.view import InMemoryRealtimeView, MergedViewReader

__all__ = ["NOW", "ListDecisions", "ListInbox", "decision", "in_memory_services", "inbox_item"]

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


class ListInbox:
    """A real inbox reader over a list, newest first."""

    def __init__(self, items: list[InboxItem] | None = None) -> None:
        self.items = list(items or [])

    def list(self, user_id: str, *, limit: int = 50) -> list[InboxItem]:
        mine = [i for i in self.items if i.user_id == user_id]
        return sorted(mine, key=lambda i: i.sent_at, reverse=True)[:limit]


class ListDecisions:
    def __init__(self, records: list[DecisionRecord] | None = None) -> None:
        self.records = list(records or [])

    def list(self, user_id: str, *, limit: int = 50) -> list[DecisionRecord]:
        mine = [r for r in self.records if r.user_id == user_id]
        return sorted(mine, key=lambda r: r.decided_at, reverse=True)[:limit]


def inbox_item(user_id: str, n: int) -> InboxItem:
    return InboxItem(
        user_id=user_id,
        notification_id=f"n-{user_id}-{n}",
        sent_at=NOW - timedelta(minutes=n),
        channel="email",
        subject=f"Subject {n}",
        body=f"Body {n}",
        source="campaign",
        source_id="winter_sale",
        priority="marketing",
        variant="A",
        data={"n": n},
    )


def decision(user_id: str, n: int, reason: str = "sent") -> DecisionRecord:
    sent = reason == "sent"
    return DecisionRecord(
        decision=Decision(
            intent_id=f"i-{n}",
            user_id=user_id,
            idempotency_key=f"k-{n}",
            priority="marketing",
            outcome="send" if sent else "suppress",
            reason=reason,  # type: ignore[arg-type]
            channel="email" if sent else None,
            decided_at=NOW - timedelta(minutes=n),
            policy_version="p1",
            inputs={"cap": {"day": [2, 3]}, "consent": {"email": True}},
        ),
        source="campaign",
        source_id="winter_sale",
    )


def status_row(notification_id: str, user_id: str) -> StatusRecord:
    return StatusRecord(
        notification_id=notification_id,
        user_id=user_id,
        channel="email",
        status="delivered",
        attempts=2,
        provider="smtp",
        updated_at=NOW,
        source_topic="outbound.email",
        source_partition=0,
        source_offset=5,
    )


def in_memory_services() -> ApiServices:
    return ApiServices(
        inbox=ListInbox(),
        decisions=ListDecisions(),
        preferences=InMemoryPreferenceStore(),
        view=MergedViewReader(
            batch=InMemoryBatchViewStore(), realtime=InMemoryRealtimeView(), clock=lambda: NOW
        ),
        intents=InMemoryIntentPublisher(),
        statuses=InMemoryStatusStore(),
        checks={"memory": lambda: None},
    )
