from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.delivery import RetryPolicy


def test_exponential_and_capped_without_jitter() -> None:
    p = RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=3.0, multiplier=2, jitter="none")
    assert [p.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_should_retry_until_the_last_attempt() -> None:
    p = RetryPolicy(max_attempts=3)
    assert [p.should_retry(n) for n in (1, 2, 3)] == [True, True, False]


@given(
    attempt=st.integers(1, 30),
    base=st.floats(0, 10),
    cap=st.floats(0, 100),
    seed=st.integers(0, 2**32),
)
def test_jitter_stays_within_its_band(attempt: int, base: float, cap: float, seed: int) -> None:
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    full = RetryPolicy(base_delay=base, max_delay=cap, jitter="full", rng=random.Random(seed))
    equal = RetryPolicy(base_delay=base, max_delay=cap, jitter="equal", rng=random.Random(seed))
    assert 0 <= full.delay(attempt) <= ceiling
    assert ceiling / 2 <= equal.delay(attempt) <= ceiling


def test_full_jitter_spreads_the_delays() -> None:
    p = RetryPolicy(base_delay=1, max_delay=8, jitter="full", rng=random.Random(7))
    delays = {round(p.delay(4), 6) for _ in range(50)}
    assert len(delays) > 40


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"multiplier": 0.5}])
def test_bad_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_attempt_is_one_based() -> None:
    with pytest.raises(ValueError, match="1-based"):
        RetryPolicy().delay(0)
