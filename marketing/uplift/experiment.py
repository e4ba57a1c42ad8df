"""Compare targeting strategies on a held-out part of a randomized experiment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from marketing.uplift.evaluation import qini_curve
from marketing.uplift.learners import (
    BoosterSettings,
    OutcomeKind,
    TreatedResponseModel,
    TwoModelUplift,
    XLearnerUplift,
)

__all__ = [
    "STRATEGIES",
    "TargetingComparison",
    "compare_targeting",
    "stratified_split",
    "summarise_comparisons",
]

STRATEGIES = ("x_learner", "t_learner", "response_only", "random")


def stratified_split(
    strata: npt.ArrayLike, *, test_fraction: float = 0.3, seed: int = 0
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Split row positions into train and test, keeping each stratum's share.

    Args:
        strata: A label per row (e.g. treatment x outcome); each label's rows
            are shuffled and ``round(test_fraction * count)`` go to test.
        test_fraction: Share of each stratum held out.
        seed: Shuffle seed.

    Returns:
        ``(train, test)`` sorted row positions.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    labels = pd.factorize(pd.Series(np.asarray(strata)))[0]
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        test_parts.append(rows[: round(test_fraction * len(rows))])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test


@dataclass(frozen=True, slots=True)
class TargetingComparison:
    """Qini coefficients of each strategy on one held-out split.

    Attributes:
        seed: Seed of the split, the boosters and the random ranking.
        test_customers: Size of the held-out set.
        average_effect: ``qini(1)``, the test set's average treatment effect.
        qini: Qini coefficient per strategy in :data:`STRATEGIES`.
    """

    seed: int
    test_customers: int
    average_effect: float
    qini: Mapping[str, float]


def compare_targeting(
    features: pd.DataFrame | npt.NDArray[np.float64],
    treatment: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    outcome: OutcomeKind = "binary",
    test_fraction: float = 0.3,
    seed: int = 0,
    settings: BoosterSettings | None = None,
) -> TargetingComparison:
    """Fit every strategy on a stratified train split and score it on the test split.

    Strategies: X-learner and T-learner uplift, the treated-arm response model
    (targeting by propensity to respond), and a uniformly random ranking.
    Strata are treatment x (outcome > 0).

    Args:
        features: Model matrix, one row per customer.
        treatment: 1 treated, 0 control.
        y: Outcome.
        outcome: ``binary`` for 0/1 outcomes, ``continuous`` for spend.
        test_fraction: Held-out share.
        seed: Seed of the split, the boosters and the random ranking.
        settings: Booster settings (their seed is replaced by ``seed``).
    """
    x = np.asarray(features, dtype=np.float64)
    t = np.asarray(treatment, dtype=np.int64)
    target = np.asarray(y, dtype=np.float64)
    train, test = stratified_split(t * 2 + (target > 0), test_fraction=test_fraction, seed=seed)
    booster = replace(settings or BoosterSettings(), seed=seed)
    fit_args = (x[train], t[train], target[train])
    scores = {
        "x_learner": XLearnerUplift(outcome=outcome, settings=booster)
        .fit(*fit_args)
        .predict_uplift(x[test]),
        "t_learner": TwoModelUplift(outcome=outcome, settings=booster)
        .fit(*fit_args)
        .predict_uplift(x[test]),
        "response_only": TreatedResponseModel(outcome=outcome, settings=booster)
        .fit(*fit_args)
        .predict_response(x[test]),
        "random": np.random.default_rng(seed).random(len(test)),
    }
    curves = {
        name: qini_curve(score=score, treatment=t[test], y=target[test])
        for name, score in scores.items()
    }
    return TargetingComparison(
        seed=seed,
        test_customers=len(test),
        average_effect=curves["random"].average_effect,
        qini=MappingProxyType({name: curve.coefficient() for name, curve in curves.items()}),
    )


def summarise_comparisons(comparisons: Sequence[TargetingComparison]) -> pd.DataFrame:
    """Mean and standard deviation (ddof=1) of each strategy's Qini over splits."""
    table = pd.DataFrame([dict(c.qini) for c in comparisons])
    return table.agg(["mean", "std"]).T
