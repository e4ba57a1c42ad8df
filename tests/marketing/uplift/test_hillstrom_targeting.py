"""Uplift targeting on held-out Hillstrom customers (Womens e-mail vs no e-mail, visits)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from marketing.hillstrom import hillstrom_uplift_data
from marketing.uplift import BoosterSettings, compare_targeting, qini_coefficient, stratified_split


def test_the_split_is_stratified_and_disjoint() -> None:
    strata = np.repeat([0, 1, 2, 3], [1_000, 100, 500, 10])
    train, test = stratified_split(strata, test_fraction=0.3, seed=5)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(strata)
    assert np.bincount(strata[test]).tolist() == [300, 30, 150, 3]


def test_uplift_beats_random_targeting_on_visits(
    hillstrom: pd.DataFrame, record_property: Callable[[str, object], None]
) -> None:
    features, treated, visited = hillstrom_uplift_data(
        hillstrom, treatment="womens", outcome="visit"
    )
    settings = BoosterSettings(n_estimators=50, max_depth=3, nthread=1)
    comparison = compare_targeting(features, treated, visited, seed=0, settings=settings)

    # What random targeting scores on this very test set: 200 random rankings.
    _, test = stratified_split(treated * 2 + visited, seed=0)
    rng = np.random.default_rng(1)
    random_qini = [
        qini_coefficient(score=rng.random(len(test)), treatment=treated[test], y=visited[test])
        for _ in range(200)
    ]
    assert comparison.test_customers == len(test)
    assert comparison.average_effect == pytest.approx(0.045, abs=0.01)
    assert abs(np.mean(random_qini)) < 0.001
    for model in ("x_learner", "t_learner"):
        assert comparison.qini[model] > np.quantile(random_qini, 0.99), model
    # Reported, not asserted: whether uplift beats ranking by response alone.
    record_property("qini", dict(comparison.qini))
    record_property("random_qini_sd", float(np.std(random_qini)))
