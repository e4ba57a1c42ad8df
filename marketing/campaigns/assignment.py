"""Deterministic variant and holdout assignment: the same user always lands in the same arm.

``bucket = int(sha256("<campaign id>:<user id>")[:15], 16) % 10_000``. Buckets
``[0, holdout)`` are the holdout; the rest are cut into consecutive ranges in
the order of the file's variants, in proportion to their weights. A rerun (or
another engine: the Spark job computes the same expression) gives the same
split, and two campaigns split the same users independently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from marketing.campaigns.schema import BUCKETS, HOLDOUT, Campaign

__all__ = ["ArmRange", "arm_of", "arm_ranges", "assignment_bucket"]

HASH_HEX_DIGITS = 15  # 60 bits: fits a signed 64-bit integer in every engine


@dataclass(frozen=True, slots=True)
class ArmRange:
    """Buckets ``[low, high)`` belong to ``arm``."""

    arm: str
    low: int
    high: int
    is_holdout: bool


def assignment_bucket(campaign_id: str, user_id: str) -> int:
    """The user's bucket in ``[0, 10_000)`` for this campaign.

    >>> assignment_bucket("spring_sale", "u000000042")
    156
    """
    digest = hashlib.sha256(f"{campaign_id}:{user_id}".encode()).hexdigest()
    return int(digest[:HASH_HEX_DIGITS], 16) % BUCKETS


def arm_ranges(campaign: Campaign) -> tuple[ArmRange, ...]:
    """The bucket range of the holdout (if any) then of every variant; together ``[0, 10_000)``."""
    holdout = round(campaign.holdout_percent * BUCKETS / 100)
    ranges = [ArmRange(HOLDOUT, 0, holdout, True)] if holdout else []
    treated = BUCKETS - holdout
    low, cumulative = holdout, 0.0
    for index, variant in enumerate(campaign.variants):
        cumulative += variant.weight
        last = index == len(campaign.variants) - 1
        high = BUCKETS if last else holdout + round(treated * cumulative / 100)
        ranges.append(ArmRange(variant.name, low, high, False))
        low = high
    return tuple(ranges)


def arm_of(campaign: Campaign, user_id: str) -> ArmRange:
    """The arm of one user (the Spark job does the same for whole audiences)."""
    bucket = assignment_bucket(campaign.id, user_id)
    for arm in arm_ranges(campaign):
        if arm.low <= bucket < arm.high:
            return arm
    raise AssertionError(f"bucket {bucket} outside every arm range")  # ranges cover [0, BUCKETS)
