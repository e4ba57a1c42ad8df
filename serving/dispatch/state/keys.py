"""Redis key layout. Every per-user key carries the user's hash tag, ``{<user_id>}``.

All of one user's dispatch state (cap ledger, idempotency keys) therefore lives
in one Redis Cluster slot, so a future script may touch several of them at once.

>>> KeySpace("clarion").caps("u123")
'clarion:dispatch:{u123}:caps'
"""

from __future__ import annotations

from dataclasses import dataclass

from serving.dispatch.exceptions import StateStoreError

__all__ = ["KeySpace"]


def _tag(value: str, what: str) -> str:
    if not value or "{" in value or "}" in value:
        raise StateStoreError(
            f"{what} {value!r} cannot be a Redis hash tag: it is empty or has braces"
        )
    return "{" + value + "}"


@dataclass(frozen=True, slots=True)
class KeySpace:
    """Keys under one prefix (``RedisSettings.key_prefix``; tests use a unique one each)."""

    prefix: str = "clarion"

    def caps(self, user_id: str) -> str:
        """A sorted set: member = idempotency key of a send, score = its time in epoch ms."""
        return f"{self.prefix}:dispatch:{_tag(user_id, 'user id')}:caps"

    def campaign_caps(self, user_id: str, campaign_id: str) -> str:
        """Like :meth:`caps`, for one campaign's sends only (same slot as the user's)."""
        return f"{self.prefix}:dispatch:{_tag(user_id, 'user id')}:caps:campaign:{campaign_id}"

    def idempotency(self, user_id: str, key: str) -> str:
        """A string: ``p:<owner>`` while leased, ``s:<owner>`` once sent."""
        return f"{self.prefix}:dispatch:{_tag(user_id, 'user id')}:idem:{key}"

    def effects_done(self, user_id: str, key: str) -> str:
        """A string set once a send's effects (inbox, log, outbound) are durable."""
        return f"{self.prefix}:dispatch:{_tag(user_id, 'user id')}:done:{key}"

    def bucket(self, name: str) -> str:
        """A hash ``{tokens, ts}``: one per channel, shared by every dispatcher."""
        return f"{self.prefix}:dispatch:bucket:{_tag(name, 'bucket name')}"
