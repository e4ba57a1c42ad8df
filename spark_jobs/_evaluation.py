"""Holdout metrics of a propensity model: AUC, log loss and calibration by decile (numpy only).

>>> import numpy as np
>>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
0.75
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc", "calibration_by_decile", "log_loss", "spearman"]


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    for start, count in zip(first[counts > 1], counts[counts > 1], strict=True):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    return ranks


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney U); ``nan`` when only one class is present."""
    labels = np.asarray(labels).astype(bool)
    pos, neg = int(labels.sum()), int((~labels).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = _ranks(np.asarray(scores, dtype=np.float64))
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def log_loss(labels: np.ndarray, scores: np.ndarray, *, eps: float = 1e-15) -> float:
    """Mean binary cross-entropy."""
    p = np.clip(np.asarray(scores, dtype=np.float64), eps, 1 - eps)
    y = np.asarray(labels, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def calibration_by_decile(labels: np.ndarray, scores: np.ndarray) -> list[dict[str, float]]:
    """Mean predicted vs observed positive rate in each decile of the scores (lowest first)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    order = np.argsort(scores, kind="mergesort")
    out = []
    for decile, part in enumerate(np.array_split(order, 10), start=1):
        if len(part) == 0:
            continue
        out.append(
            {
                "decile": decile,
                "predicted": round(float(scores[part].mean()), 6),
                "observed": round(float(labels[part].mean()), 6),
                "rows": len(part),
            }
        )
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation."""
    return float(np.corrcoef(_ranks(np.asarray(a, float)), _ranks(np.asarray(b, float)))[0, 1])
