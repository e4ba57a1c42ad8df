"""Qini curve, Qini coefficient and the decile table on hand-checkable rankings."""

from __future__ import annotations

import numpy as np
import pytest

from marketing.uplift import qini_coefficient, qini_curve, uplift_by_decile

# Four treated and four control customers. Treated 0 and 1 respond, control
# 6 responds: 2/4 - 1/4 = +25 points of average effect.
TREATMENT = np.array([1, 1, 1, 1, 0, 0, 0, 0])
RESPONSE = np.array([1, 1, 0, 0, 0, 0, 1, 0])


def test_the_curve_ends_at_the_average_effect_and_starts_at_zero() -> None:
    curve = qini_curve(score=np.arange(8)[::-1], treatment=TREATMENT, y=RESPONSE)
    assert curve.fraction_targeted[0] == 0 and curve.incremental_response[0] == 0
    assert curve.fraction_targeted[-1] == 1
    assert curve.average_effect == pytest.approx(0.25)
    assert curve.treated_customers == 4


def test_control_responses_are_scaled_to_the_treated_count() -> None:
    # Rank: treated responder, control responder, control, treated.
    score = [4, 0, 0, 1, 0, 0, 3, 2]
    treatment = [1, 0, 0, 1, 0, 0, 0, 1]
    y = [1, 0, 0, 0, 0, 0, 1, 0]
    curve = qini_curve(score=score, treatment=treatment, y=y)
    # Top 2: 1 treated responder, 1 control (responding): 1 - 1 * 1/1 = 0.
    assert curve.incremental_responders[2] == pytest.approx(0.0)
    # Top 1: no control reached yet, so the control term is 0.
    assert curve.incremental_responders[1] == pytest.approx(1.0)


def test_a_good_ranking_scores_above_a_bad_one() -> None:
    good = qini_coefficient(score=[8, 7, 1, 0, 3, 2, -1, 4], treatment=TREATMENT, y=RESPONSE)
    bad = qini_coefficient(score=[0, 1, 7, 8, 3, 2, 9, 4], treatment=TREATMENT, y=RESPONSE)
    assert good > 0 > bad


def test_a_constant_score_is_exactly_random() -> None:
    curve = qini_curve(score=np.zeros(8), treatment=TREATMENT, y=RESPONSE)
    assert curve.fraction_targeted.tolist() == [0.0, 1.0]
    assert curve.coefficient() == 0.0


def test_random_rankings_average_to_zero() -> None:
    rng = np.random.default_rng(0)
    treatment = rng.integers(0, 2, 4_000)
    y = (rng.random(4_000) < 0.1 + 0.05 * treatment).astype(float)
    coefficients = [
        qini_coefficient(score=rng.random(4_000), treatment=treatment, y=y) for _ in range(100)
    ]
    assert abs(np.mean(coefficients)) < 3 * np.std(coefficients) / np.sqrt(100)


def test_the_decile_table_partitions_the_customers() -> None:
    rng = np.random.default_rng(1)
    score = rng.random(1_003)
    treatment = rng.integers(0, 2, 1_003)
    y = (rng.random(1_003) < 0.1 + 0.4 * treatment * score).astype(float)
    table = uplift_by_decile(score=score, treatment=treatment, y=y)
    assert table["bin"].tolist() == list(range(1, 11))
    assert table["customers"].sum() == 1_003
    assert (table["treated"] + table["control"] == table["customers"]).all()
    assert table["mean_score"].is_monotonic_decreasing
    assert table["observed_uplift"].iloc[0] > table["observed_uplift"].iloc[-1]
