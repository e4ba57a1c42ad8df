"""Intervals: published values, properties, and coverage on simulated experiments."""

from __future__ import annotations

import doctest
import math
from typing import TypedDict

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from marketing import intervals
from marketing.intervals import (
    ArmMoments,
    bootstrap_difference_of_means,
    difference_of_means,
    difference_of_proportions,
    proportions_p_value,
    relative_lift_of_means,
    relative_lift_of_proportions,
    welch_p_value,
)


@st.composite
def arm_counts(draw: st.DrawFn, min_events: int = 0) -> tuple[int, int]:
    n = draw(st.integers(min_value=max(1, min_events), max_value=5_000))
    return draw(st.integers(min_value=min_events, max_value=n)), n


class Counts(TypedDict):
    events_variant: int
    n_variant: int
    events_control: int
    n_control: int


def _counts(variant: tuple[int, int], control: tuple[int, int], k: int = 1) -> Counts:
    return {
        "events_variant": variant[0] * k,
        "n_variant": variant[1] * k,
        "events_control": control[0] * k,
        "n_control": control[1] * k,
    }


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(intervals).failed == 0


@pytest.mark.parametrize(
    ("variant", "control", "expected"),
    [  # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10.
        ((56, 70), (48, 80), (0.0524, 0.3339)),
        ((9, 10), (3, 10), (0.1705, 0.8090)),
        ((0, 10), (0, 20), (-0.1611, 0.2775)),
    ],
)
def test_newcombe_matches_the_published_examples(
    variant: tuple[int, int], control: tuple[int, int], expected: tuple[float, float]
) -> None:
    interval = difference_of_proportions(**_counts(variant, control))
    assert (round(interval.low, 4), round(interval.high, 4)) == expected


def test_p_values_match_scipy() -> None:
    counts = _counts((267, 21_307), (122, 21_306))
    table = [[267, 21_307 - 267], [122, 21_306 - 122]]
    chi2 = stats.chi2_contingency(table, correction=False)
    assert proportions_p_value(**counts) == pytest.approx(chi2.pvalue, rel=1e-9)

    rng = np.random.default_rng(3)
    a, b = rng.exponential(2.0, 300), rng.exponential(1.5, 200)
    welch = stats.ttest_ind(a, b, equal_var=False)
    p = welch_p_value(variant=ArmMoments.of(a), control=ArmMoments.of(b))
    assert p == pytest.approx(welch.pvalue, rel=1e-9)


@given(variant=arm_counts(), control=arm_counts(), method=st.sampled_from(["newcombe", "wald"]))
def test_the_absolute_interval_contains_its_estimate(
    variant: tuple[int, int], control: tuple[int, int], method: intervals.ProportionMethod
) -> None:
    interval = difference_of_proportions(**_counts(variant, control), method=method)
    assert interval.low - 1e-12 <= interval.estimate <= interval.high + 1e-12


@given(variant=arm_counts(), control=arm_counts())
def test_the_relative_interval_contains_its_estimate(
    variant: tuple[int, int], control: tuple[int, int]
) -> None:
    interval = relative_lift_of_proportions(**_counts(variant, control))
    assert interval.low <= interval.estimate * (1 + 1e-12) + 1e-12
    assert interval.estimate <= interval.high * (1 + 1e-12) + 1e-12
    assert interval.low >= -1


@given(variant=arm_counts(), control=arm_counts(), k=st.integers(min_value=2, max_value=20))
def test_the_absolute_interval_narrows_as_the_arms_grow(
    variant: tuple[int, int], control: tuple[int, int], k: int
) -> None:
    small = difference_of_proportions(**_counts(variant, control))
    large = difference_of_proportions(**_counts(variant, control, k))
    assert large.estimate == pytest.approx(small.estimate)
    assert large.width < small.width


@given(
    variant=arm_counts(min_events=1),
    control=arm_counts(min_events=1),
    k=st.integers(min_value=2, max_value=20),
)
def test_the_relative_interval_narrows_as_the_arms_grow(
    variant: tuple[int, int], control: tuple[int, int], k: int
) -> None:
    # With events in both arms; zero events carry no information on the ratio.
    assume(variant[0] < variant[1] or control[0] < control[1])
    small = relative_lift_of_proportions(**_counts(variant, control))
    large = relative_lift_of_proportions(**_counts(variant, control, k))
    assert math.log1p(large.high) - math.log1p(large.low) < math.log1p(small.high) - math.log1p(
        small.low
    )


@given(variant=arm_counts(), control=arm_counts(), method=st.sampled_from(["newcombe", "wald"]))
def test_swapping_the_arms_negates_the_absolute_lift(
    variant: tuple[int, int], control: tuple[int, int], method: intervals.ProportionMethod
) -> None:
    forward = difference_of_proportions(**_counts(variant, control), method=method)
    backward = difference_of_proportions(**_counts(control, variant), method=method)
    assert backward.estimate == pytest.approx(-forward.estimate, abs=1e-12)
    assert backward.low == pytest.approx(-forward.high, abs=1e-12)
    assert backward.high == pytest.approx(-forward.low, abs=1e-12)
    assert proportions_p_value(**_counts(variant, control)) == pytest.approx(
        proportions_p_value(**_counts(control, variant))
    )


@given(variant=arm_counts(), control=arm_counts())
def test_swapping_the_arms_inverts_the_ratio(
    variant: tuple[int, int], control: tuple[int, int]
) -> None:
    forward = relative_lift_of_proportions(**_counts(variant, control))
    backward = relative_lift_of_proportions(**_counts(control, variant))
    assert math.log1p(backward.estimate) == pytest.approx(-math.log1p(forward.estimate), abs=1e-9)
    assert math.log1p(backward.low) == pytest.approx(-math.log1p(forward.high), abs=1e-9)


@given(
    a=st.lists(st.floats(min_value=0, max_value=500), min_size=2, max_size=50),
    b=st.lists(st.floats(min_value=0, max_value=500), min_size=2, max_size=50),
)
def test_welch_contains_its_estimate_and_negates_on_swap(a: list[float], b: list[float]) -> None:
    forward = difference_of_means(variant=ArmMoments.of(a), control=ArmMoments.of(b))
    backward = difference_of_means(variant=ArmMoments.of(b), control=ArmMoments.of(a))
    assert forward.low <= forward.estimate <= forward.high
    assert backward.low == pytest.approx(-forward.high, abs=1e-9)


def test_zero_events_give_finite_informative_intervals() -> None:
    counts = _counts((0, 1_000), (0, 1_000))
    absolute = difference_of_proportions(**counts)
    assert absolute.estimate == 0 and absolute.low < 0 < absolute.high
    assert proportions_p_value(**counts) == 1.0
    wald = difference_of_proportions(**counts, method="wald")
    assert (wald.low, wald.high) == (0.0, 0.0)
    relative = relative_lift_of_proportions(**_counts((5, 1_000), (0, 1_000)))
    assert "haldane-anscombe" in relative.method
    assert relative.estimate > 0 and relative.low > -1 and math.isfinite(relative.high)


def test_an_empty_arm_gives_an_undefined_interval() -> None:
    interval = difference_of_proportions(**_counts((3, 10), (0, 0)))
    assert math.isnan(interval.low) and "no recipients" in interval.method
    assert math.isnan(proportions_p_value(**_counts((3, 10), (0, 0))))
    lonely = difference_of_means(variant=ArmMoments.of([1.0]), control=ArmMoments.of([1.0, 2.0]))
    assert math.isnan(lonely.low)


def test_revenue_relative_lift_is_undefined_without_revenue() -> None:
    interval = relative_lift_of_means(
        variant=ArmMoments.of([0.0, 5.0]), control=ArmMoments.of([0.0, 0.0])
    )
    assert math.isnan(interval.low) and "undefined" in interval.method


def test_the_bootstrap_is_reproducible_and_matches_a_naive_resample() -> None:
    rng = np.random.default_rng(0)
    spend = np.where(rng.random(4_000) < 0.05, rng.lognormal(4, 1, 4_000), 0.0)
    control = np.where(rng.random(4_000) < 0.03, rng.lognormal(4, 1, 4_000), 0.0)
    first = bootstrap_difference_of_means(variant=spend, control=control, seed=7)
    again = bootstrap_difference_of_means(variant=spend, control=control, seed=7)
    assert first == again and first.contains(first.estimate)
    # The zero-skipping draw has the distribution of a plain resample.
    naive = np.array(
        [
            rng.choice(spend, spend.size).mean() - rng.choice(control, control.size).mean()
            for _ in range(2_000)
        ]
    )
    low, high = np.quantile(naive, [0.025, 0.975])
    assert first.low == pytest.approx(low, rel=0.1) and first.high == pytest.approx(high, rel=0.1)


def _coverage(hits: list[bool]) -> float:
    return sum(hits) / len(hits)


def test_proportion_intervals_cover_a_planted_lift() -> None:
    rng = np.random.default_rng(2008)
    p_control, p_variant, n = 0.10, 0.14, 2_000
    absolute, relative, wald = [], [], []
    for _ in range(200):
        counts = _counts((int(rng.binomial(n, p_variant)), n), (int(rng.binomial(n, p_control)), n))
        absolute.append(difference_of_proportions(**counts).contains(p_variant - p_control))
        wald.append(
            difference_of_proportions(**counts, method="wald").contains(p_variant - p_control)
        )
        relative.append(relative_lift_of_proportions(**counts).contains(p_variant / p_control - 1))
    for hits in (absolute, relative, wald):
        assert 0.91 <= _coverage(hits) <= 0.99


def test_revenue_intervals_cover_a_planted_lift_on_zero_inflated_spend() -> None:
    rng = np.random.default_rng(2009)
    n, buy_control, buy_variant, mu, sigma = 3_000, 0.04, 0.06, 3.5, 1.0
    true_difference = (buy_variant - buy_control) * math.exp(mu + sigma**2 / 2)

    def spend(buy: float) -> np.ndarray:
        return np.where(rng.random(n) < buy, rng.lognormal(mu, sigma, n), 0.0)

    welch, bootstrap = [], []
    for seed in range(200):
        variant, control = spend(buy_variant), spend(buy_control)
        interval = difference_of_means(
            variant=ArmMoments.of(variant), control=ArmMoments.of(control)
        )
        welch.append(interval.contains(true_difference))
        bootstrap.append(
            bootstrap_difference_of_means(
                variant=variant, control=control, resamples=400, seed=seed
            ).contains(true_difference)
        )
    assert 0.91 <= _coverage(welch) <= 0.99
    assert 0.90 <= _coverage(bootstrap) <= 0.99
