"""Frequency caps as pure arithmetic over send timestamps, shared by every ledger.

A cap ``limit per window`` holds when, for every half-open interval
``[t, t + window)``, at most ``limit`` counted sends fall inside it. A ledger
checking at ``now`` counts every entry later than ``now - window`` — including
entries stamped in the future by another dispatcher's skewed clock — which
keeps the guarantee even when sends are recorded out of order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue

from serving.dispatch.intent import Recipient
from serving.dispatch.policy import DispatchPolicy, FrequencyCap

__all__ = [
    "CapVerdict",
    "count_in_windows",
    "effective_caps",
    "ledger_retention",
    "under_every_cap",
]


@dataclass(frozen=True, slots=True)
class CapVerdict:
    """What a ledger saw: the count per cap (before this send) and whether it was recorded."""

    caps: tuple[FrequencyCap, ...]
    counts: tuple[int, ...]
    allowed: bool
    recorded: bool

    def facts(self) -> dict[str, JsonValue]:
        return {
            "caps": [
                {"window_seconds": cap.window.total_seconds(), "limit": cap.limit, "count": count}
                for cap, count in zip(self.caps, self.counts, strict=True)
            ]
        }


def count_in_windows(
    stamps: Iterable[datetime], *, at: datetime, caps: Sequence[FrequencyCap]
) -> tuple[int, ...]:
    """For each cap, how many stamps are later than ``at - cap.window``."""
    stamps = list(stamps)
    return tuple(sum(1 for stamp in stamps if stamp > at - cap.window) for cap in caps)


def under_every_cap(counts: Sequence[int], caps: Sequence[FrequencyCap]) -> bool:
    return all(count < cap.limit for count, cap in zip(counts, caps, strict=True))


def effective_caps(policy: DispatchPolicy, recipient: Recipient) -> tuple[FrequencyCap, ...]:
    """The user's own caps when the merged view gives an override, else the policy's."""
    return recipient.cap_override if recipient.cap_override is not None else policy.caps


def ledger_retention(policy: DispatchPolicy, recipient: Recipient) -> timedelta | None:
    """How long a user's ledger must remember a send: the longest window in play.

    Policy caps and the user's override are both considered, so a ledger is
    never trimmed shorter than a window some later check will ask about. None
    when there is no cap at all (then nothing is recorded).
    """
    windows = [cap.window for cap in (*policy.caps, *(recipient.cap_override or ()))]
    return max(windows) if windows else None
