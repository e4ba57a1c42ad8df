"""Per-arm summaries and lifts from outcomes frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from marketing.exceptions import OutcomesFrameError
from marketing.hillstrom import hillstrom_outcomes
from marketing.measurement import BinaryOutcome, proportion_lifts, revenue_lifts, summarise_arms


def _outcomes(arms: dict[str, tuple[int, int, float]], holdout: str = "holdout") -> pd.DataFrame:
    """``arm -> (recipients, conversions, revenue per converter)`` as an outcomes frame."""
    rows = []
    for arm, (recipients, conversions, amount) in arms.items():
        for i in range(recipients):
            converted = int(i < conversions)
            rows.append(
                {
                    "variant": arm,
                    "is_holdout": arm == holdout,
                    "converted": converted,
                    "revenue": amount * converted,
                }
            )
    return pd.DataFrame(rows)


def test_summaries_count_rates_and_revenue() -> None:
    outcomes = _outcomes({"a": (100, 10, 5.0), "b": (50, 2, 20.0), "holdout": (40, 1, 5.0)})
    a, b, control = summarise_arms(outcomes)
    assert (a.arm, b.arm, control.arm) == ("a", "b", "holdout")
    assert control.is_control and not a.is_control
    assert (a.recipients, a.conversions, a.conversion_rate) == (100, 10, 0.1)
    assert (b.revenue_total, b.revenue_per_recipient) == (40.0, 0.8)
    assert a.visits is None and a.visit_rate is None


def test_the_control_can_be_named_instead_of_flagged() -> None:
    outcomes = _outcomes({"a": (10, 1, 1.0), "base": (10, 0, 1.0)}).drop(columns="is_holdout")
    assert summarise_arms(outcomes, control="base")[-1].arm == "base"
    with pytest.raises(OutcomesFrameError, match="is_holdout"):
        summarise_arms(outcomes)
    with pytest.raises(OutcomesFrameError, match="'nobody' has no recipients"):
        summarise_arms(outcomes, control="nobody")


def test_a_label_shared_by_holdout_and_treated_rows_is_refused() -> None:
    outcomes = _outcomes({"a": (10, 1, 1.0), "holdout": (10, 0, 1.0)})
    outcomes.loc[0, "is_holdout"] = True
    with pytest.raises(OutcomesFrameError, match="exactly one variant label"):
        proportion_lifts(outcomes)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(OutcomesFrameError, match=r"\['revenue'\]"):
        summarise_arms(pd.DataFrame({"variant": ["a"], "converted": [0], "is_holdout": [True]}))


def test_an_arm_without_conversions_does_not_crash() -> None:
    outcomes = _outcomes({"a": (200, 6, 10.0), "holdout": (200, 0, 10.0)})
    (lift,) = proportion_lifts(outcomes)
    assert lift.absolute.estimate == pytest.approx(0.03)
    assert lift.absolute.low > 0
    assert "haldane-anscombe" in lift.relative.method
    (revenue,) = revenue_lifts(outcomes, bootstrap_resamples=200)
    assert revenue.difference.estimate == pytest.approx(0.3)
    assert math.isnan(revenue.relative.low)  # no control revenue: no ratio
    assert revenue.bootstrap is not None and revenue.bootstrap.contains(0.3)


def test_hillstrom_lifts_are_positive_and_significant(hillstrom: pd.DataFrame) -> None:
    outcomes = hillstrom_outcomes(hillstrom)
    binary: tuple[BinaryOutcome, ...] = ("visited", "converted")
    for outcome in binary:
        lifts = proportion_lifts(outcomes, outcome=outcome)
        assert [lift.variant for lift in lifts] == ["mens", "womens"]
        for lift in lifts:
            assert lift.absolute.low > 0 and lift.p_value < 0.001
    mens, womens = revenue_lifts(outcomes, bootstrap_resamples=500)
    assert mens.difference.estimate == pytest.approx(1.4226 - 0.6528, abs=1e-3)
    for revenue in (mens, womens):
        assert revenue.difference.low > 0 and revenue.p_value < 0.01
        assert revenue.bootstrap is not None and revenue.bootstrap.low > 0
