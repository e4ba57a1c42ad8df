"""Per-arm campaign results and the lift of each variant over its control.

The input is an *outcomes frame*: one row per recipient with

* ``variant`` — the arm label. Holdout recipients carry their own label
  (``"holdout"``, or ``"no_email"`` for Hillstrom); a label is never shared
  between treated and holdout rows.
* ``is_holdout`` — optional bool; lets the control be found without naming it.
* ``converted`` (0/1) and ``revenue`` (float) — required outcomes.
* ``visited`` (0/1) — optional outcome.

:func:`marketing.attribution.attribute_conversions` produces such a frame
from sends and conversion events; :func:`marketing.hillstrom.hillstrom_outcomes`
produces one from the Hillstrom experiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from marketing.exceptions import OutcomesFrameError
from marketing.intervals import (
    ArmMoments,
    Interval,
    ProportionMethod,
    bootstrap_difference_of_means,
    difference_of_means,
    difference_of_proportions,
    proportions_p_value,
    relative_lift_of_means,
    relative_lift_of_proportions,
    welch_p_value,
)

__all__ = [
    "ArmSummary",
    "BinaryOutcome",
    "ProportionLift",
    "RevenueLift",
    "proportion_lifts",
    "resolve_control",
    "revenue_lifts",
    "summarise_arms",
]

BinaryOutcome = Literal["visited", "converted"]
_REQUIRED = ("variant", "converted", "revenue")


@dataclass(frozen=True, slots=True)
class ArmSummary:
    """Results of one arm.

    Attributes:
        arm: The variant label.
        is_control: Whether this arm is the control the others are measured against.
        recipients: Number of recipients.
        visits: Recipients who visited, or None when the frame has no ``visited`` column.
        visit_rate: ``visits / recipients``, or None.
        conversions: Recipients who converted at least once.
        conversion_rate: ``conversions / recipients``.
        revenue_total: Sum of revenue.
        revenue_per_recipient: ``revenue_total / recipients``.
    """

    arm: str
    is_control: bool
    recipients: int
    visits: int | None
    visit_rate: float | None
    conversions: int
    conversion_rate: float
    revenue_total: float
    revenue_per_recipient: float


@dataclass(frozen=True, slots=True)
class ProportionLift:
    """Lift of a variant over the control on a 0/1 outcome.

    Attributes:
        variant: The treated arm.
        control: The control arm.
        outcome: ``"visited"`` or ``"converted"``.
        n_variant: Recipients in the variant.
        n_control: Recipients in the control.
        rate_variant: Outcome rate in the variant.
        rate_control: Outcome rate in the control.
        absolute: ``rate_variant - rate_control`` with its interval.
        relative: ``rate_variant / rate_control - 1`` with its Katz log interval.
        p_value: Two-sided pooled two-proportion z-test.
    """

    variant: str
    control: str
    outcome: str
    n_variant: int
    n_control: int
    rate_variant: float
    rate_control: float
    absolute: Interval
    relative: Interval
    p_value: float


@dataclass(frozen=True, slots=True)
class RevenueLift:
    """Lift of a variant over the control in revenue per recipient.

    Attributes:
        variant: The treated arm.
        control: The control arm.
        n_variant: Recipients in the variant.
        n_control: Recipients in the control.
        mean_variant: Revenue per recipient in the variant.
        mean_control: Revenue per recipient in the control.
        difference: ``mean_variant - mean_control`` with Welch's interval.
        relative: ``mean_variant / mean_control - 1``, delta method on the log.
        bootstrap: The difference with a percentile bootstrap interval, or None.
        p_value: Two-sided Welch t-test.
    """

    variant: str
    control: str
    n_variant: int
    n_control: int
    mean_variant: float
    mean_control: float
    difference: Interval
    relative: Interval
    bootstrap: Interval | None
    p_value: float


def _check_columns(outcomes: pd.DataFrame, extra: tuple[str, ...] = ()) -> None:
    missing = [c for c in (*_REQUIRED, *extra) if c not in outcomes.columns]
    if missing:
        raise OutcomesFrameError(
            f"outcomes frame lacks column(s) {missing}; it needs {list(_REQUIRED)} "
            "(plus 'visited' for visit rates and 'is_holdout' to find the control)"
        )


def resolve_control(outcomes: pd.DataFrame, *, control: str | None = None) -> str:
    """Name of the control arm: ``control`` if given, else the one label of ``is_holdout`` rows.

    Raises:
        OutcomesFrameError: The control is absent, cannot be inferred, or its
            label is shared by treated recipients.
    """
    _check_columns(outcomes)
    labels = set(outcomes["variant"].astype(str).unique())
    if control is not None:
        if control not in labels:
            raise OutcomesFrameError(
                f"control arm {control!r} has no recipients; arms present: {sorted(labels)}"
            )
        return control
    if "is_holdout" not in outcomes.columns:
        raise OutcomesFrameError("pass control=<arm> or give the frame an 'is_holdout' column")
    holdout = outcomes["is_holdout"].astype(bool)
    held = set(outcomes.loc[holdout, "variant"].astype(str).unique())
    treated = set(outcomes.loc[~holdout, "variant"].astype(str).unique())
    if len(held) != 1 or held & treated:
        raise OutcomesFrameError(
            f"holdout rows must carry exactly one variant label of their own, found {sorted(held)}"
            f" (treated labels: {sorted(treated)}); label holdout rows e.g. 'holdout'"
        )
    return str(held.pop())


def summarise_arms(outcomes: pd.DataFrame, *, control: str | None = None) -> tuple[ArmSummary, ...]:
    """Recipients, visit and conversion rates and revenue of each arm, control last.

    Args:
        outcomes: One row per recipient (see the module docstring).
        control: The control arm; inferred from ``is_holdout`` when None.

    Returns:
        One summary per arm: variants in label order, then the control.
    """
    control_arm = resolve_control(outcomes, control=control)
    has_visits = "visited" in outcomes.columns
    frame = outcomes.assign(variant=outcomes["variant"].astype(str))
    grouped = frame.groupby("variant", sort=True)
    counts = grouped.size()
    conversions = grouped["converted"].sum()
    revenue = grouped["revenue"].sum()
    visits = grouped["visited"].sum() if has_visits else None
    arms = [a for a in counts.index if a != control_arm] + [control_arm]
    summaries = []
    for arm in arms:
        n = int(counts[arm])
        arm_visits = int(visits[arm]) if visits is not None else None
        summaries.append(
            ArmSummary(
                arm=arm,
                is_control=arm == control_arm,
                recipients=n,
                visits=arm_visits,
                visit_rate=arm_visits / n if arm_visits is not None else None,
                conversions=int(conversions[arm]),
                conversion_rate=int(conversions[arm]) / n,
                revenue_total=float(revenue[arm]),
                revenue_per_recipient=float(revenue[arm]) / n,
            )
        )
    return tuple(summaries)


def proportion_lifts(
    outcomes: pd.DataFrame,
    *,
    outcome: BinaryOutcome = "converted",
    control: str | None = None,
    confidence: float = 0.95,
    method: ProportionMethod = "newcombe",
) -> tuple[ProportionLift, ...]:
    """Absolute and relative lift of every variant over the control on a 0/1 outcome.

    Args:
        outcomes: One row per recipient (see the module docstring).
        outcome: The 0/1 column to compare.
        control: The control arm; inferred from ``is_holdout`` when None.
        confidence: Two-sided coverage of the intervals.
        method: ``newcombe`` (hybrid score, default) or ``wald`` for the absolute lift.

    Returns:
        One lift per variant, in label order. Zero events in an arm are
        handled as :mod:`marketing.intervals` documents.
    """
    _check_columns(outcomes, (outcome,))
    control_arm = resolve_control(outcomes, control=control)
    labels = outcomes["variant"].astype(str)
    stats = outcomes[outcome].astype(int).groupby(labels).agg(["sum", "count"])
    x0, n0 = int(stats.loc[control_arm, "sum"]), int(stats.loc[control_arm, "count"])
    lifts = []
    for arm in (a for a in stats.index if a != control_arm):
        x1, n1 = int(stats.loc[arm, "sum"]), int(stats.loc[arm, "count"])
        counts = {
            "events_variant": x1,
            "n_variant": n1,
            "events_control": x0,
            "n_control": n0,
        }
        lifts.append(
            ProportionLift(
                variant=arm,
                control=control_arm,
                outcome=outcome,
                n_variant=n1,
                n_control=n0,
                rate_variant=x1 / n1,
                rate_control=x0 / n0,
                absolute=difference_of_proportions(**counts, confidence=confidence, method=method),
                relative=relative_lift_of_proportions(**counts, confidence=confidence),
                p_value=proportions_p_value(**counts),
            )
        )
    return tuple(lifts)


def revenue_lifts(
    outcomes: pd.DataFrame,
    *,
    control: str | None = None,
    confidence: float = 0.95,
    bootstrap_resamples: int = 0,
    seed: int = 0,
) -> tuple[RevenueLift, ...]:
    """Revenue-per-recipient lift of every variant over the control.

    Args:
        outcomes: One row per recipient (see the module docstring).
        control: The control arm; inferred from ``is_holdout`` when None.
        confidence: Two-sided coverage of the intervals.
        bootstrap_resamples: If > 0, also compute a percentile bootstrap interval
            for the difference with this many resamples (spend is zero-inflated
            and heavy-tailed, where Welch's normal approximation is weakest).
        seed: Seed of the bootstrap.

    Returns:
        One lift per variant, in label order.
    """
    control_arm = resolve_control(outcomes, control=control)
    labels = outcomes["variant"].astype(str)
    revenue = outcomes["revenue"].astype(float)
    by_arm = {arm: values.to_numpy() for arm, values in revenue.groupby(labels)}
    control_values = by_arm.pop(control_arm)
    control_moments = ArmMoments.of(control_values)
    lifts = []
    for arm, values in by_arm.items():
        variant_moments = ArmMoments.of(values)
        bootstrap = None
        if bootstrap_resamples > 0:
            bootstrap = bootstrap_difference_of_means(
                variant=values,
                control=control_values,
                confidence=confidence,
                resamples=bootstrap_resamples,
                seed=seed,
            )
        lifts.append(
            RevenueLift(
                variant=arm,
                control=control_arm,
                n_variant=variant_moments.n,
                n_control=control_moments.n,
                mean_variant=variant_moments.mean,
                mean_control=control_moments.mean,
                difference=difference_of_means(
                    variant=variant_moments, control=control_moments, confidence=confidence
                ),
                relative=relative_lift_of_means(
                    variant=variant_moments, control=control_moments, confidence=confidence
                ),
                bootstrap=bootstrap,
                p_value=welch_p_value(variant=variant_moments, control=control_moments),
            )
        )
    return tuple(lifts)
