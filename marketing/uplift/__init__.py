"""Uplift targeting: who does a campaign persuade, and how well does a ranking find them."""

from marketing.uplift.evaluation import (
    QiniCurve,
    qini_coefficient,
    qini_curve,
    uplift_by_decile,
)
from marketing.uplift.experiment import (
    STRATEGIES,
    TargetingComparison,
    compare_targeting,
    stratified_split,
    summarise_comparisons,
)
from marketing.uplift.learners import (
    BoosterSettings,
    OutcomeKind,
    TreatedResponseModel,
    TwoModelUplift,
    XLearnerUplift,
)

__all__ = [
    "STRATEGIES",
    "BoosterSettings",
    "OutcomeKind",
    "QiniCurve",
    "TargetingComparison",
    "TreatedResponseModel",
    "TwoModelUplift",
    "XLearnerUplift",
    "compare_targeting",
    "qini_coefficient",
    "qini_curve",
    "stratified_split",
    "summarise_comparisons",
    "uplift_by_decile",
]
