"""Hash-based assignment: deterministic per (campaign, user), proportional to the weights."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from marketing.campaigns import BUCKETS, Campaign, arm_of, arm_ranges, assignment_bucket


def _campaign(valid: dict[str, Any], **changes: Any) -> Campaign:
    return Campaign.model_validate({**valid, **changes})


def test_the_same_user_always_gets_the_same_bucket_and_arm(valid: dict[str, Any]) -> None:
    campaign = _campaign(valid)
    first = [arm_of(campaign, f"u{i}") for i in range(500)]
    again = [arm_of(_campaign(valid), f"u{i}") for i in range(500)]
    assert first == again
    assert assignment_bucket("spring_sale", "u1") == assignment_bucket("spring_sale", "u1")


def test_two_campaigns_split_the_same_users_independently() -> None:
    users = [f"u{i}" for i in range(20_000)]
    a = [assignment_bucket("campaign_a", u) < BUCKETS // 2 for u in users]
    b = [assignment_bucket("campaign_b", u) < BUCKETS // 2 for u in users]
    both = sum(x and y for x, y in zip(a, b, strict=True))
    assert abs(both / len(users) - 0.25) < 0.015  # independent halves overlap a quarter


def test_arm_shares_follow_holdout_and_weights(valid: dict[str, Any]) -> None:
    variants = [
        {"name": "a", "weight": 20},
        {"name": "b", "weight": 30},
        {"name": "c", "weight": 50},
    ]
    campaign = _campaign(valid, variants=variants, holdout_percent=10)
    n = 60_000
    counts = Counter(arm_of(campaign, f"user-{i}").arm for i in range(n))
    expected = {"holdout": 0.10, "a": 0.18, "b": 0.27, "c": 0.45}
    observed = [counts[arm] for arm in expected]
    chi2 = stats.chisquare(observed, [n * share for share in expected.values()])
    assert chi2.pvalue > 1e-4, (counts, chi2)


@settings(max_examples=60, deadline=None)
@given(
    holdout=st.integers(min_value=0, max_value=9_000).map(lambda b: b / 100),
    weights=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=6),
)
def test_arm_ranges_tile_every_bucket_once(holdout: float, weights: list[int]) -> None:
    from tests.marketing.campaigns.conftest import VALID

    total = sum(weights)
    shares = [100 * w / total for w in weights]
    shares[-1] = 100 - sum(shares[:-1])
    variants = [{"name": f"v{i}", "weight": s} for i, s in enumerate(shares)]
    try:
        campaign = Campaign.model_validate(
            {**VALID, "variants": variants, "holdout_percent": holdout}
        )
    except ValueError:
        return  # float shares that do not sum to exactly 100 are refused; covered elsewhere
    ranges = arm_ranges(campaign)
    assert ranges[0].low == 0 and ranges[-1].high == BUCKETS
    assert all(a.high == b.low for a, b in pairwise(ranges))
    held = [r for r in ranges if r.is_holdout]
    assert sum(r.high - r.low for r in held) == round(holdout * 100)


@pytest.mark.parametrize("holdout", [0, 33.33])
def test_no_holdout_arm_without_a_holdout(valid: dict[str, Any], holdout: float) -> None:
    ranges = arm_ranges(_campaign(valid, holdout_percent=holdout))
    assert any(r.is_holdout for r in ranges) == (holdout > 0)
