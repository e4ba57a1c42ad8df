"""Staleness: an intent older than its TTL at decision time is not sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue

from serving.dispatch.intent import Intent
from serving.dispatch.policy import TtlDefaults

__all__ = ["Freshness", "check_freshness"]


@dataclass(frozen=True, slots=True)
class Freshness:
    age: timedelta
    ttl: timedelta
    expires_at: datetime

    @property
    def stale(self) -> bool:
        """Stale once the age exceeds the TTL (an intent exactly ``ttl`` old is still fresh)."""
        return self.age > self.ttl

    def facts(self) -> dict[str, JsonValue]:
        return {
            "age_seconds": self.age.total_seconds(),
            "ttl_seconds": self.ttl.total_seconds(),
            "expires_at": self.expires_at.isoformat(),
        }


def check_freshness(intent: Intent, *, now: datetime, defaults: TtlDefaults) -> Freshness:
    """Age against TTL; an intent stamped in the future (clock skew) has age zero."""
    ttl = intent.ttl or defaults.for_priority(intent.priority)
    age = max(now - intent.created_at, timedelta(0))
    return Freshness(age=age, ttl=ttl, expires_at=intent.created_at + ttl)
