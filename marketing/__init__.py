"""Campaigns as code: the campaign schema, audience assignment, measurement and uplift.

Measurement (this package's top level) is pure pandas/numpy/scipy; uplift
targeting lives in :mod:`marketing.uplift` and needs XGBoost.
"""

from marketing.attribution import DEFAULT_ATTRIBUTION_WINDOW, attribute_conversions
from marketing.exceptions import DatasetIntegrityError, MarketingError, OutcomesFrameError
from marketing.hillstrom import (
    hillstrom_features,
    hillstrom_outcomes,
    hillstrom_uplift_data,
    load_hillstrom,
)
from marketing.intervals import Interval
from marketing.measurement import (
    ArmSummary,
    ProportionLift,
    RevenueLift,
    proportion_lifts,
    revenue_lifts,
    summarise_arms,
)

__all__ = [
    "DEFAULT_ATTRIBUTION_WINDOW",
    "ArmSummary",
    "DatasetIntegrityError",
    "Interval",
    "MarketingError",
    "OutcomesFrameError",
    "ProportionLift",
    "RevenueLift",
    "attribute_conversions",
    "hillstrom_features",
    "hillstrom_outcomes",
    "hillstrom_uplift_data",
    "load_hillstrom",
    "proportion_lifts",
    "revenue_lifts",
    "summarise_arms",
]
