"""Redis key names of the real-time view, Redis Cluster safe.

Everything about one user shares the hash tag ``{<user_id>}``, so one script can touch
all of it on one cluster slot; per-partition timer indexes share ``{<topic>:<n>}``.

>>> keys = KeyLayout("clarion", "events")
>>> keys.user("u42", "ev:purchase")
'clarion:rt:{u42}:ev:purchase'
>>> keys.partition(3, "timers")
'clarion:rt:part:{events:3}:timers'
>>> keys.batch_view("20260101", "u42")
'clarion:bv:20260101:{u42}'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["USER_STRUCTURES", "KeyLayout"]

# Per user: seen (event id -> record ref), seen_at (event id by time), ev:<type> (window sets),
# cart (add_to_cart id -> item), last_seen, session, fired (cooldowns), timers, timer_data,
# timers_done (tombstones of fired timers).
USER_STRUCTURES = (
    "seen",
    "seen_at",
    "cart",
    "last_seen",
    "session",
    "fired",
    "timers",
    "timer_data",
    "timers_done",
)


@dataclass(frozen=True, slots=True)
class KeyLayout:
    prefix: str
    topic: str

    def user(self, user_id: str, structure: str) -> str:
        return f"{self.prefix}:rt:{{{user_id}}}:{structure}"

    def user_keys(self, user_id: str) -> list[str]:
        """The fixed per-user keys, in :data:`USER_STRUCTURES` order."""
        base = f"{self.prefix}:rt:{{{user_id}}}:"
        return [base + s for s in USER_STRUCTURES]

    def events(self, user_id: str, event_type: str) -> str:
        return f"{self.prefix}:rt:{{{user_id}}}:ev:{event_type}"

    def partition(self, partition: int, structure: str) -> str:
        return f"{self.prefix}:rt:part:{{{self.topic}:{partition}}}:{structure}"

    def batch_pointer(self) -> str:
        return f"{self.prefix}:bv:current"

    def batch_view(self, version: str, user_id: str) -> str:
        return f"{self.prefix}:bv:{version}:{{{user_id}}}"
