"""How well a ranking targets the customers a campaign persuades: Qini curve and deciles.

Customers of a randomized test set are ranked by a score (predicted uplift,
or anything else), best first. Targeting the top ``k``, with ``N_t(k)``
treated and ``N_c(k)`` control customers among them responding
``Y_t(k)`` and ``Y_c(k)`` times, the incremental responders are (Radcliffe
2007) ``Y_t(k) - Y_c(k) * N_t(k) / N_c(k)``: control responses scaled to
the treated count, 0 while no control customer has been reached.

Normalisation used here: the curve is divided by ``N_t``, the treated
customers of the whole test set. ``qini(phi)`` is then the incremental
response per customer of the base from targeting the top fraction ``phi``,
and ``qini(1)`` is the average treatment effect (e.g. +4.5 visit points).
Random targeting follows the diagonal ``phi * qini(1)``. The **Qini
coefficient** is the signed area between the curve and that diagonal,
``integral_0^1 (qini(phi) - phi * qini(1)) dphi`` (trapezoid rule): in the
outcome's units (a rate for 0/1 outcomes), 0 in expectation for a random
ranking, positive when the ranking puts persuadable customers first.

Tied scores are evaluated only at the end of each tie group, so a coarse
score is not credited with an arbitrary order inside its ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["QiniCurve", "qini_coefficient", "qini_curve", "uplift_by_decile"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QiniCurve:
    """Incremental response against the fraction of customers targeted.

    Attributes:
        fraction_targeted: From 0 to 1, one point per distinct score.
        incremental_responders: Radcliffe's count ``Y_t(k) - Y_c(k) N_t(k) / N_c(k)``.
        treated_customers: ``N_t``, the treated customers of the whole set.
    """

    fraction_targeted: Array
    incremental_responders: Array
    treated_customers: int

    @property
    def incremental_response(self) -> Array:
        """``qini(phi)``: incremental responders per customer of the base (see the module)."""
        return self.incremental_responders / self.treated_customers

    @property
    def average_effect(self) -> float:
        """``qini(1)``: the average treatment effect on the whole set."""
        return float(self.incremental_response[-1])

    def coefficient(self) -> float:
        """Signed area between the curve and the random-targeting diagonal."""
        gain = self.incremental_response - self.fraction_targeted * self.average_effect
        return float(np.trapezoid(gain, self.fraction_targeted))


def _inputs(
    score: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[Array, Array, Array]:
    s = np.asarray(score, dtype=np.float64)
    t = np.asarray(treatment, dtype=np.float64)
    outcome = np.asarray(y, dtype=np.float64)
    if not (len(s) == len(t) == len(outcome)):
        raise ValueError("score, treatment and y must have the same length")
    if not np.isin(t, (0, 1)).all() or t.sum() in (0, len(t)):
        raise ValueError("treatment must be 0/1 with both arms present")
    order = np.argsort(-s, kind="stable")
    return s[order], t[order], outcome[order]


def qini_curve(*, score: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike) -> QiniCurve:
    """Qini curve of ranking by ``score`` (higher = target first).

    Args:
        score: Ranking score per customer.
        treatment: 1 treated, 0 control (randomized).
        y: Outcome (0/1 or continuous).
    """
    s, t, outcome = _inputs(score, treatment, y)
    n_treated = np.cumsum(t)
    n_control = np.cumsum(1 - t)
    y_treated = np.cumsum(outcome * t)
    y_control = np.cumsum(outcome * (1 - t))
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    scale = np.divide(
        n_treated[ends], n_control[ends], out=np.zeros(len(ends)), where=n_control[ends] > 0
    )
    return QiniCurve(
        fraction_targeted=np.r_[0.0, (ends + 1) / len(s)],
        incremental_responders=np.r_[0.0, y_treated[ends] - y_control[ends] * scale],
        treated_customers=int(n_treated[-1]),
    )


def qini_coefficient(*, score: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Qini coefficient of ranking by ``score``; see the module docstring."""
    return qini_curve(score=score, treatment=treatment, y=y).coefficient()


def uplift_by_decile(
    *, score: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, bins: int = 10
) -> pd.DataFrame:
    """Observed uplift in each rank bin, best-scored bin first.

    Customers are sorted by score and cut into ``bins`` groups of (nearly)
    equal size. A good uplift ranking shows observed uplift falling from the
    first bin to the last.

    Returns:
        One row per bin: ``bin`` (1 = top), ``customers``, ``treated``,
        ``control``, ``response_treated``, ``response_control``,
        ``observed_uplift`` (their difference; NaN if an arm is empty in the
        bin) and ``mean_score``.
    """
    s, t, outcome = _inputs(score, treatment, y)
    rows = []
    for number, part in enumerate(np.array_split(np.arange(len(s)), bins), start=1):
        treated = t[part] == 1
        n1, n0 = int(treated.sum()), int((~treated).sum())
        r1 = float(outcome[part][treated].mean()) if n1 else float("nan")
        r0 = float(outcome[part][~treated].mean()) if n0 else float("nan")
        rows.append(
            {
                "bin": number,
                "customers": len(part),
                "treated": n1,
                "control": n0,
                "response_treated": r1,
                "response_control": r0,
                "observed_uplift": r1 - r0,
                "mean_score": float(s[part].mean()),
            }
        )
    return pd.DataFrame(rows)
