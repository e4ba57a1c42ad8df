"""The inbox lookup on the dispatcher's Cassandra ``inbox`` table (:mod:`serving.inbox`).

One single-row read by the full primary key ``(user_id, sent_at, notification_id)``;
``sent_at`` is the message's ``decided_at`` to the millisecond, as the inbox writes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from serving.delivery.providers.in_app import InboxLookup

__all__ = ["CassandraInbox"]


class CassandraInbox(InboxLookup):
    def __init__(self, session: Any, *, keyspace: str, table: str = "inbox") -> None:
        self._session = session
        self._table = f"{keyspace}.{table}"
        self._select: Any = None

    def contains(self, *, user_id: str, notification_id: str, sent_at: datetime) -> bool:
        if self._select is None:
            self._select = self._session.prepare(
                f"SELECT notification_id FROM {self._table} "
                "WHERE user_id = ? AND sent_at = ? AND notification_id = ?"
            )
        at = sent_at.astimezone(UTC)
        at = at.replace(microsecond=at.microsecond // 1000 * 1000)
        row = self._session.execute(self._select, (user_id, at, notification_id)).one()
        return row is not None
