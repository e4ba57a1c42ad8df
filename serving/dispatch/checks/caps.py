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
from typing import Literal

from pydantic import JsonValue

from serving.dispatch.intent import Recipient
from serving.dispatch.policy import DispatchPolicy, FrequencyCap

__all__ = [
    "CapVerdict",
    "count_in_windows",
    "effective_caps",
    "ledger_retention",
    "longest_window",
    "under_every_cap",
]


@dataclass(frozen=True, slots=True)
class CapVerdict:
    """What a ledger saw: the count per cap (before this send) and whether it was recorded;
    for a campaign send, also the campaign's own caps and its count of that campaign's sends."""

    caps: tuple[FrequencyCap, ...]
    counts: tuple[int, ...]
    allowed: bool
    recorded: bool
    campaign_id: str | None = None
    campaign_caps: tuple[FrequencyCap, ...] = ()
    campaign_counts: tuple[int, ...] = ()

    def refusal(self) -> Literal["frequency_capped", "campaign_capped"] | None:
        """Why it was not allowed: a global cap first, else the campaign's own; None if sent."""
        if self.allowed:
            return None
        return "campaign_capped" if under_every_cap(self.counts, self.caps) else "frequency_capped"

    def facts(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"caps": _cap_facts(self.caps, self.counts)}
        if self.campaign_caps:
            out["campaign"] = {
                "id": self.campaign_id,
                "caps": _cap_facts(self.campaign_caps, self.campaign_counts),
            }
        return out


def _cap_facts(caps: Sequence[FrequencyCap], counts: Sequence[int]) -> list[JsonValue]:
    return [
        {"window_seconds": cap.window.total_seconds(), "limit": cap.limit, "count": count}
        for cap, count in zip(caps, counts, strict=True)
    ]


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


def longest_window(caps: Sequence[FrequencyCap]) -> timedelta | None:
    """How long a ledger of these caps must remember a send; None for no caps."""
    return max((cap.window for cap in caps), default=None)


def ledger_retention(policy: DispatchPolicy, recipient: Recipient) -> timedelta | None:
    """How long a user's ledger must remember a send: the longest window in play.

    Policy caps and the user's override are both considered, so a ledger is
    never trimmed shorter than a window some later check will ask about. None
    when there is no cap at all (then nothing is recorded).
    """
    windows = [cap.window for cap in (*policy.caps, *(recipient.cap_override or ()))]
    return max(windows) if windows else None
