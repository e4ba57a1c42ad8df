"""Confidence intervals and p-values for a variant against its control.

Every function takes summary counts or moments, not frames, so that the Spark
versions can aggregate at scale and call the same arithmetic. Conventions:

* "variant" is the treated arm, "control" the holdout; differences are
  variant minus control and relative lifts are ``variant / control - 1``.
* An arm with no recipients makes every estimate undefined: the interval is
  ``(nan, nan)`` and says so in ``method``. Zero *events* are fine (see each
  function for what the interval is then).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "ArmMoments",
    "Interval",
    "ProportionMethod",
    "bootstrap_difference_of_means",
    "difference_of_means",
    "difference_of_proportions",
    "proportions_p_value",
    "relative_lift_of_means",
    "relative_lift_of_proportions",
    "welch_p_value",
    "wilson_interval",
]

ProportionMethod = Literal["newcombe", "wald"]
_BOOTSTRAP_CHUNK = 256


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with a two-sided confidence interval.

    Attributes:
        estimate: The point estimate.
        low: Lower bound.
        high: Upper bound.
        confidence: Nominal coverage, e.g. 0.95.
        method: How the interval was computed, including any correction applied.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the closed interval."""
        return self.low <= value <= self.high


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _undefined(confidence: float, method: str) -> Interval:
    nan = math.nan
    return Interval(nan, nan, nan, confidence, f"{method}; undefined: an arm has no recipients")


def wilson_interval(*, events: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for one proportion; ``(0, upper)`` when there are no events.

    >>> low, high = wilson_interval(events=0, trials=100)
    >>> (low, round(high, 4))
    (0.0, 0.037)
    """
    z = _z(confidence)
    p = events / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # The bounds are exactly 0 with no events and 1 with all: avoid rounding dust.
    low = 0.0 if events == 0 else max(0.0, centre - half)
    high = 1.0 if events == trials else min(1.0, centre + half)
    return low, high


def difference_of_proportions(
    *,
    events_variant: int,
    n_variant: int,
    events_control: int,
    n_control: int,
    confidence: float = 0.95,
    method: ProportionMethod = "newcombe",
) -> Interval:
    """Absolute lift ``p_variant - p_control`` with a confidence interval.

    ``newcombe`` is Newcombe's hybrid score interval (his method 10, built from
    two Wilson intervals): it stays inside [-1, 1] and is informative with
    zero events in an arm. ``wald`` is the textbook normal interval; with zero
    (or all) events in both arms its standard error is 0 and the interval
    collapses to the point estimate.
    """
    if n_variant == 0 or n_control == 0:
        return _undefined(confidence, method)
    p1, p0 = events_variant / n_variant, events_control / n_control
    diff = p1 - p0
    if method == "wald":
        se = math.sqrt(p1 * (1 - p1) / n_variant + p0 * (1 - p0) / n_control)
        z = _z(confidence)
        return Interval(diff, diff - z * se, diff + z * se, confidence, "wald")
    l1, u1 = wilson_interval(events=events_variant, trials=n_variant, confidence=confidence)
    l0, u0 = wilson_interval(events=events_control, trials=n_control, confidence=confidence)
    low = diff - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Interval(diff, low, high, confidence, "newcombe hybrid score")


def relative_lift_of_proportions(
    *,
    events_variant: int,
    n_variant: int,
    events_control: int,
    n_control: int,
    confidence: float = 0.95,
) -> Interval:
    """Relative lift ``p_variant / p_control - 1`` with the Katz log interval.

    The interval is ``exp(log RR +- z * se) - 1`` with
    ``se**2 = 1/x1 - 1/n1 + 1/x0 - 1/n0``. When either arm has zero events the
    ratio (or its log) is undefined, so the Haldane-Anscombe correction is
    applied to both arms — half an event added, one trial added — and the
    point estimate is the corrected ratio too, which keeps it inside its
    interval. ``method`` records the correction.
    """
    method = "katz log"
    if n_variant == 0 or n_control == 0:
        return _undefined(confidence, method)
    x1, n1, x0, n0 = (
        float(events_variant),
        float(n_variant),
        float(events_control),
        float(n_control),
    )
    if x1 == 0 or x0 == 0:
        x1, n1, x0, n0 = x1 + 0.5, n1 + 1, x0 + 0.5, n0 + 1
        method += " (haldane-anscombe 0.5 correction: an arm has zero events)"
    log_ratio = math.log((x1 / n1) / (x0 / n0))
    se = math.sqrt(max(0.0, 1 / x1 - 1 / n1 + 1 / x0 - 1 / n0))
    return _relative_lift_interval(log_ratio, se, confidence=confidence, method=method)


def proportions_p_value(
    *, events_variant: int, n_variant: int, events_control: int, n_control: int
) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (the score test).

    Returns 1.0 when the pooled rate is 0 or 1 (the arms are then identical) and
    NaN when an arm is empty.
    """
    if n_variant == 0 or n_control == 0:
        return math.nan
    pooled = (events_variant + events_control) / (n_variant + n_control)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_variant + 1 / n_control))
    if se == 0:
        return 1.0
    z = (events_variant / n_variant - events_control / n_control) / se
    return float(2 * stats.norm.sf(abs(z)))


@dataclass(frozen=True, slots=True)
class ArmMoments:
    """What the mean-based intervals need of one arm.

    Attributes:
        mean: Mean outcome, e.g. revenue per recipient.
        variance: Sample variance (``ddof=1``); NaN with fewer than two recipients.
        n: Recipients.
    """

    mean: float
    variance: float
    n: int

    @classmethod
    def of(cls, values: npt.ArrayLike) -> ArmMoments:
        """Moments of a sample of per-recipient values."""
        v = np.asarray(values, dtype=np.float64)
        n = int(v.size)
        mean = float(v.mean()) if n else math.nan
        return cls(mean=mean, variance=float(v.var(ddof=1)) if n > 1 else math.nan, n=n)


def _welch(variant: ArmMoments, control: ArmMoments) -> tuple[float, float]:
    """Standard error and Welch-Satterthwaite degrees of freedom."""
    a, b = variant.variance / variant.n, control.variance / control.n
    se = math.sqrt(a + b)
    if se == 0:
        return 0.0, math.inf
    # Welch-Satterthwaite on the variance shares, which cannot underflow to 0/0.
    share_a, share_b = a / (a + b), b / (a + b)
    df = 1.0 / (share_a**2 / (variant.n - 1) + share_b**2 / (control.n - 1))
    return se, df


def difference_of_means(
    *, variant: ArmMoments, control: ArmMoments, confidence: float = 0.95
) -> Interval:
    """Difference of means (e.g. revenue per recipient) with Welch's t interval.

    An arm with fewer than two recipients has no variance: the interval is
    NaN. If both variances are 0 the interval collapses to the point estimate.
    """
    method = "welch t"
    if variant.n < 2 or control.n < 2:
        return _undefined(confidence, method + " (needs two recipients per arm)")
    diff = variant.mean - control.mean
    se, df = _welch(variant, control)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, df)) if se > 0 else 0.0
    return Interval(diff, diff - t * se, diff + t * se, confidence, method)


def welch_p_value(*, variant: ArmMoments, control: ArmMoments) -> float:
    """Two-sided p-value of Welch's t-test; 1.0 (or 0.0) if both variances are 0."""
    if variant.n < 2 or control.n < 2:
        return math.nan
    diff = variant.mean - control.mean
    se, df = _welch(variant, control)
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * stats.t.sf(abs(diff / se), df))


def relative_lift_of_means(
    *, variant: ArmMoments, control: ArmMoments, confidence: float = 0.95
) -> Interval:
    """Relative lift ``mean_variant / mean_control - 1``, delta method on the log ratio.

    ``Var(log m) ~ s**2 / (n m**2)``. Undefined (NaN interval) when either mean
    is not positive, e.g. an arm with no revenue at all.
    """
    method = "delta method on log ratio"
    if variant.n < 2 or control.n < 2:
        return _undefined(confidence, method)
    if variant.mean <= 0 or control.mean <= 0:
        nan = math.nan
        estimate = variant.mean / control.mean - 1 if control.mean > 0 else nan
        return Interval(estimate, nan, nan, confidence, method + "; undefined: a mean is <= 0")
    log_ratio = math.log(variant.mean / control.mean)
    se = math.sqrt(
        variant.variance / (variant.n * variant.mean**2)
        + control.variance / (control.n * control.mean**2)
    )
    return _relative_lift_interval(log_ratio, se, confidence=confidence, method=method)


def _relative_lift_interval(
    log_ratio: float, se: float, *, confidence: float, method: str
) -> Interval:
    """Relative lift (ratio - 1) with a normal interval on the log of the ratio."""
    z = _z(confidence)
    return Interval(
        math.exp(log_ratio) - 1,
        math.exp(log_ratio - z * se) - 1,
        math.exp(log_ratio + z * se) - 1,
        confidence,
        method,
    )


def _bootstrap_means(
    values: npt.NDArray[np.float64], resamples: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Means of ``resamples`` bootstrap samples, drawing only the non-zero values.

    Exact, not approximate: of n draws with replacement, the number landing on
    non-zero entries is Binomial(n, k/n), and those draws are uniform over the
    k non-zero entries. Zero-inflated spend (99% zeros) then costs ~1% of a
    naive resample.
    """
    n = values.size
    nonzero = values[values != 0]
    if nonzero.size == 0:
        return np.zeros(resamples)
    means = np.empty(resamples)
    for start in range(0, resamples, _BOOTSTRAP_CHUNK):
        size = min(_BOOTSTRAP_CHUNK, resamples - start)
        picks = rng.binomial(n, nonzero.size / n, size=size)
        drawn = nonzero[rng.integers(0, nonzero.size, size=int(picks.sum()))]
        owner = np.repeat(np.arange(size), picks)
        means[start : start + size] = np.bincount(owner, weights=drawn, minlength=size) / n
    return means


def bootstrap_difference_of_means(
    *,
    variant: npt.ArrayLike,
    control: npt.ArrayLike,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval for ``mean(variant) - mean(control)``.

    Each arm is resampled on its own (the arms are independent samples), with
    a fixed ``seed`` so the interval is reproducible.
    """
    v = np.asarray(variant, dtype=np.float64)
    c = np.asarray(control, dtype=np.float64)
    method = f"bootstrap percentile ({resamples} resamples, seed {seed})"
    if v.size == 0 or c.size == 0:
        return _undefined(confidence, method)
    _z(confidence)
    rng = np.random.default_rng(seed)
    diffs = _bootstrap_means(v, resamples, rng) - _bootstrap_means(c, resamples, rng)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha])
    return Interval(float(v.mean() - c.mean()), float(low), float(high), confidence, method)
