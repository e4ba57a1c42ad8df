"""Per-arm results of a campaign run and each variant's lift over the holdout, from totals.

The Spark job aggregates each arm to a few sums (:class:`ArmTotals`), so the
size of the audience never reaches this module; the intervals are the same
arithmetic :mod:`marketing.measurement` uses on per-recipient frames
(:mod:`marketing.intervals`): Newcombe and Katz for rates, Welch and the delta
method for revenue per recipient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

from marketing.intervals import (
    ArmMoments,
    Interval,
    difference_of_means,
    difference_of_proportions,
    proportions_p_value,
    relative_lift_of_means,
    relative_lift_of_proportions,
    welch_p_value,
)
from marketing.measurement import ArmSummary

__all__ = ["ArmTotals", "Metric", "MetricResult", "arm_summaries", "measure_run"]

Metric = Literal["visit_rate", "conversion_rate", "revenue_per_recipient"]


class _Counts(TypedDict):
    events_variant: int
    n_variant: int
    events_control: int
    n_control: int


@dataclass(frozen=True, slots=True)
class ArmTotals:
    """What the measurement needs of one arm: counts and the first two revenue moments."""

    arm: str
    is_holdout: bool
    recipients: int
    visits: int | None
    conversions: int
    revenue_sum: float
    revenue_sum_squares: float

    def moments(self) -> ArmMoments:
        n = self.recipients
        mean = self.revenue_sum / n if n else math.nan
        if n < 2:
            return ArmMoments(mean=mean, variance=math.nan, n=n)
        variance = max(0.0, (self.revenue_sum_squares - n * mean * mean) / (n - 1))
        return ArmMoments(mean=mean, variance=variance, n=n)


@dataclass(frozen=True, slots=True)
class MetricResult:
    """One arm on one metric; the lift fields are None for the control or with no control."""

    arm: str
    is_control: bool
    metric: Metric
    recipients: int
    value: float
    control_value: float | None
    absolute: Interval | None
    relative: Interval | None
    p_value: float | None


def arm_summaries(arms: Sequence[ArmTotals]) -> tuple[ArmSummary, ...]:
    """The arms as :class:`~marketing.measurement.ArmSummary` (variants by name, holdout last)."""
    ordered = sorted(arms, key=lambda a: (a.is_holdout, a.arm))
    return tuple(
        ArmSummary(
            arm=a.arm,
            is_control=a.is_holdout,
            recipients=a.recipients,
            visits=a.visits,
            visit_rate=a.visits / a.recipients if a.visits is not None and a.recipients else None,
            conversions=a.conversions,
            conversion_rate=a.conversions / a.recipients if a.recipients else math.nan,
            revenue_total=a.revenue_sum,
            revenue_per_recipient=a.revenue_sum / a.recipients if a.recipients else math.nan,
        )
        for a in ordered
    )


def _rate(
    arm: ArmTotals,
    events: int,
    control: ArmTotals | None,
    metric: Metric,
    control_events: int | None,
    confidence: float,
) -> MetricResult:
    value = events / arm.recipients if arm.recipients else math.nan
    if control is None or control_events is None or arm.is_holdout:
        return MetricResult(
            arm.arm, arm.is_holdout, metric, arm.recipients, value, None, None, None, None
        )
    counts = _Counts(
        events_variant=events,
        n_variant=arm.recipients,
        events_control=control_events,
        n_control=control.recipients,
    )
    return MetricResult(
        arm=arm.arm,
        is_control=False,
        metric=metric,
        recipients=arm.recipients,
        value=value,
        control_value=control_events / control.recipients if control.recipients else math.nan,
        absolute=difference_of_proportions(**counts, confidence=confidence),
        relative=relative_lift_of_proportions(**counts, confidence=confidence),
        p_value=proportions_p_value(**counts),
    )


def _revenue(arm: ArmTotals, control: ArmTotals | None, confidence: float) -> MetricResult:
    moments = arm.moments()
    if control is None or arm.is_holdout:
        return MetricResult(
            arm.arm,
            arm.is_holdout,
            "revenue_per_recipient",
            arm.recipients,
            moments.mean,
            None,
            None,
            None,
            None,
        )
    base = control.moments()
    return MetricResult(
        arm=arm.arm,
        is_control=False,
        metric="revenue_per_recipient",
        recipients=arm.recipients,
        value=moments.mean,
        control_value=base.mean,
        absolute=difference_of_means(variant=moments, control=base, confidence=confidence),
        relative=relative_lift_of_means(variant=moments, control=base, confidence=confidence),
        p_value=welch_p_value(variant=moments, control=base),
    )


def measure_run(arms: Sequence[ArmTotals], *, confidence: float = 0.95) -> list[MetricResult]:
    """Every arm on every metric, each variant against the holdout (if the run has one).

    Visit rates are measured only when every arm has a visit count.
    """
    holdouts = [a for a in arms if a.is_holdout]
    if len(holdouts) > 1:
        raise ValueError(f"a run has at most one holdout arm, got {[a.arm for a in holdouts]}")
    control = holdouts[0] if holdouts else None
    with_visits = all(a.visits is not None for a in arms)
    results = []
    for arm in sorted(arms, key=lambda a: (a.is_holdout, a.arm)):
        if with_visits and arm.visits is not None:
            results.append(
                _rate(
                    arm,
                    arm.visits,
                    control,
                    "visit_rate",
                    control.visits if control else None,
                    confidence,
                )
            )
        results.append(
            _rate(
                arm,
                arm.conversions,
                control,
                "conversion_rate",
                control.conversions if control else None,
                confidence,
            )
        )
        results.append(_revenue(arm, control, confidence))
    return results
