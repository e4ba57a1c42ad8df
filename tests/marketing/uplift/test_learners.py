"""Meta-learners on a simulated experiment with a planted heterogeneous effect."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats

from marketing.uplift import BoosterSettings, TreatedResponseModel, TwoModelUplift, XLearnerUplift

FAST = BoosterSettings(n_estimators=50, max_depth=3, nthread=1)


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1 / (1 + np.exp(-z))


def _experiment(
    rng: np.random.Generator, n: int
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]:
    """Features, random treatment, 0/1 outcome and each customer's true uplift.

    Baseline response rises with x0; the campaign's effect (on the logit)
    rises with x1 and jumps with x2 — negative for low x1, so some customers
    are put off. x3 and x4 are noise.
    """
    x = rng.random((n, 5))
    treated = rng.integers(0, 2, n)
    base = -1.0 + 1.5 * x[:, 0]
    effect = 2.0 * (x[:, 1] - 0.5) + 1.0 * (x[:, 2] > 0.5)
    true_uplift = _sigmoid(base + effect) - _sigmoid(base)
    y = (rng.random(n) < _sigmoid(base + treated * effect)).astype(np.float64)
    return x, treated, y, true_uplift


@pytest.mark.parametrize("learner", [XLearnerUplift, TwoModelUplift])
def test_learners_recover_the_planted_ranking(
    learner: type[XLearnerUplift] | type[TwoModelUplift],
) -> None:
    rng = np.random.default_rng(42)
    x, treated, y, _ = _experiment(rng, 6_000)
    x_new, _, _, true_uplift = _experiment(rng, 2_000)
    predicted = learner(settings=FAST).fit(x, treated, y).predict_uplift(x_new)
    assert stats.spearmanr(predicted, true_uplift).statistic > 0.5


def test_the_response_model_ranks_responders_not_persuadables() -> None:
    rng = np.random.default_rng(7)
    x, treated, y, _ = _experiment(rng, 6_000)
    x_new, _, _, true_uplift = _experiment(rng, 2_000)
    response = TreatedResponseModel(settings=FAST).fit(x, treated, y).predict_response(x_new)
    assert response.min() >= 0 and response.max() <= 1
    # It tracks the baseline (x0) more than the effect: it is the wrong target.
    assert stats.spearmanr(response, x_new[:, 0]).statistic > 0.3
    uplift = XLearnerUplift(settings=FAST).fit(x, treated, y).predict_uplift(x_new)
    assert (
        stats.spearmanr(uplift, true_uplift).statistic
        > stats.spearmanr(response, true_uplift).statistic
    )


def test_spend_is_modelled_as_a_continuous_outcome() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((3_000, 3))
    treated = rng.integers(0, 2, 3_000)
    spend = 10 * x[:, 0] + treated * 20 * x[:, 1] + rng.normal(0, 1, 3_000)
    model = XLearnerUplift(outcome="continuous", settings=FAST).fit(x, treated, spend)
    predicted = model.predict_uplift(x)
    assert stats.spearmanr(predicted, 20 * x[:, 1]).statistic > 0.9
    assert predicted.mean() == pytest.approx(10, abs=1.5)


def test_inputs_are_checked() -> None:
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="both treated and control"):
        TwoModelUplift().fit(x, [1, 1, 1, 1], [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"0 \(control\) or 1"):
        TwoModelUplift().fit(x, [0, 1, 2, 1], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="differ in length"):
        TwoModelUplift().fit(x, [0, 1, 0], [0, 1, 0, 1])
    with pytest.raises(RuntimeError, match="fit the model"):
        XLearnerUplift().predict_uplift(x)
