"""Meta-learners that estimate each customer's uplift, on gradient-boosted trees.

* :class:`TwoModelUplift` (T-learner): one outcome model per arm; uplift is
  the difference of their predictions.
* :class:`XLearnerUplift` (Kuenzel et al. 2019): the T-learner's models impute
  each customer's individual effect, a second pair of models learns those
  effects, and the two are blended by the treated fraction.
* :class:`TreatedResponseModel`: the baseline a marketer would use without
  uplift — the chance of responding *when treated*, which ranks people who
  would respond anyway as highly as people the campaign persuades.

All take ``fit(X, treatment, y)`` with ``treatment`` 0/1. ``outcome="binary"``
models a 0/1 outcome (visit, conversion) with logistic loss;
``"continuous"`` models spend with squared error. Boosters use XGBoost's
native API (no scikit-learn needed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import xgboost as xgb

__all__ = [
    "BoosterSettings",
    "OutcomeKind",
    "TreatedResponseModel",
    "TwoModelUplift",
    "XLearnerUplift",
]

OutcomeKind = Literal["binary", "continuous"]
Array = npt.NDArray[np.float64]
_OBJECTIVES: dict[str, str] = {"binary": "binary:logistic", "continuous": "reg:squarederror"}


@dataclass(frozen=True, slots=True)
class BoosterSettings:
    """Hyper-parameters shared by every booster a learner fits.

    Attributes:
        n_estimators: Boosting rounds.
        max_depth: Depth of each tree.
        learning_rate: Shrinkage (``eta``).
        min_child_weight: Minimum hessian sum in a leaf.
        subsample: Row subsampling per tree.
        nthread: Threads per booster.
        seed: Random seed.
    """

    n_estimators: int = 100
    max_depth: int = 3
    learning_rate: float = 0.1
    min_child_weight: float = 1.0
    subsample: float = 1.0
    nthread: int = 1
    seed: int = 0


def _as_matrix(features: npt.ArrayLike) -> Array:
    return np.asarray(features, dtype=np.float64)


def _fit_booster(settings: BoosterSettings, objective: str, x: Array, y: Array) -> xgb.Booster:
    params = asdict(settings)
    rounds = params.pop("n_estimators")
    params["eta"] = params.pop("learning_rate")
    params.update(objective=objective, tree_method="hist", verbosity=0)
    return xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=rounds)


def _predict(booster: xgb.Booster | None, x: Array) -> Array:
    if booster is None:
        raise RuntimeError("fit the model before predicting")
    return np.asarray(booster.predict(xgb.DMatrix(x)), dtype=np.float64)


def _split_arms(
    features: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[Array, Array, Array, Array]:
    """Return ``(x_treated, y_treated, x_control, y_control)``, checking the inputs."""
    x = _as_matrix(features)
    t = np.asarray(treatment)
    outcome = np.asarray(y, dtype=np.float64)
    if not (len(x) == len(t) == len(outcome)):
        raise ValueError(f"X, treatment and y differ in length: {len(x)}, {len(t)}, {len(outcome)}")
    if not np.isin(t, (0, 1)).all():
        raise ValueError("treatment must be 0 (control) or 1 (treated)")
    treated = t == 1
    if treated.all() or not treated.any():
        raise ValueError("uplift needs both treated and control rows")
    return x[treated], outcome[treated], x[~treated], outcome[~treated]


class TwoModelUplift:
    """T-learner: ``uplift(x) = mu_treated(x) - mu_control(x)``.

    Args:
        outcome: ``binary`` (probabilities) or ``continuous`` (means).
        settings: Booster hyper-parameters for both models.
    """

    def __init__(
        self, *, outcome: OutcomeKind = "binary", settings: BoosterSettings | None = None
    ) -> None:
        self.outcome = outcome
        self.settings = settings or BoosterSettings()
        self._treated: xgb.Booster | None = None
        self._control: xgb.Booster | None = None

    def fit(self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Fit one outcome model per arm."""
        x1, y1, x0, y0 = _split_arms(X, treatment, y)
        objective = _OBJECTIVES[self.outcome]
        self._treated = _fit_booster(self.settings, objective, x1, y1)
        self._control = _fit_booster(self.settings, objective, x0, y0)
        return self

    def predict_uplift(self, X: npt.ArrayLike) -> Array:
        """Predicted outcome if treated minus predicted outcome if not."""
        x = _as_matrix(X)
        return _predict(self._treated, x) - _predict(self._control, x)


class XLearnerUplift:
    """X-learner: impute individual effects with a T-learner, then learn them.

    Stage 1 fits ``mu_1`` on treated and ``mu_0`` on control rows. Imputed
    effects are ``y - mu_0(x)`` for treated rows and ``mu_1(x) - y`` for
    control rows; stage 2 regresses them (squared error) into ``tau_1`` and
    ``tau_0``, and ``uplift = g * tau_0 + (1 - g) * tau_1`` with ``g`` the
    treated fraction. A constant ``g`` is the true propensity in a randomized
    experiment or holdout, which is what Clarion measures.

    Args:
        outcome: ``binary`` or ``continuous`` for the stage-1 models.
        settings: Booster hyper-parameters for all four models.
    """

    def __init__(
        self, *, outcome: OutcomeKind = "binary", settings: BoosterSettings | None = None
    ) -> None:
        self.outcome = outcome
        self.settings = settings or BoosterSettings()
        self.treated_fraction = float("nan")
        self._effect_treated: xgb.Booster | None = None
        self._effect_control: xgb.Booster | None = None

    def fit(self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Fit the two outcome models, then the two effect models."""
        x1, y1, x0, y0 = _split_arms(X, treatment, y)
        first_stage = TwoModelUplift(outcome=self.outcome, settings=self.settings).fit(
            X, treatment, y
        )
        imputed_treated = y1 - _predict(first_stage._control, x1)
        imputed_control = _predict(first_stage._treated, x0) - y0
        self._effect_treated = _fit_booster(self.settings, "reg:squarederror", x1, imputed_treated)
        self._effect_control = _fit_booster(self.settings, "reg:squarederror", x0, imputed_control)
        self.treated_fraction = len(x1) / (len(x1) + len(x0))
        return self

    def predict_uplift(self, X: npt.ArrayLike) -> Array:
        """Propensity-weighted blend of the two effect models."""
        x = _as_matrix(X)
        g = self.treated_fraction
        return g * _predict(self._effect_control, x) + (1 - g) * _predict(self._effect_treated, x)


class TreatedResponseModel:
    """Response ("propensity") model: the outcome model of the treated arm alone.

    Args:
        outcome: ``binary`` or ``continuous``.
        settings: Booster hyper-parameters.
    """

    def __init__(
        self, *, outcome: OutcomeKind = "binary", settings: BoosterSettings | None = None
    ) -> None:
        self.outcome = outcome
        self.settings = settings or BoosterSettings()
        self._model: xgb.Booster | None = None

    def fit(self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Fit on the treated rows; control rows are ignored."""
        x1, y1, _, _ = _split_arms(X, treatment, y)
        self._model = _fit_booster(self.settings, _OBJECTIVES[self.outcome], x1, y1)
        return self

    def predict_response(self, X: npt.ArrayLike) -> Array:
        """Predicted outcome if treated (a probability for binary outcomes)."""
        return _predict(self._model, _as_matrix(X))
