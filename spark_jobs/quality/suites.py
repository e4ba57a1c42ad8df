"""The expectation suites of the daily gold snapshots, as plain data (no GE import).

Each check is an :class:`Check`: a Great Expectations expectation class name and
its keyword arguments. Suites are built per run because the row-count check
depends on the previous snapshot (its count, within a relative ``tolerance``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from feature_store import USER_FEATURES, FeatureRegistry
from feature_store.computations import EventCount, Ratio

__all__ = [
    "Check",
    "Suite",
    "features_suite",
    "row_count_check",
    "scores_suite",
    "segments_suite",
]

MIN_ROWS_FOR_CHANGE = 100
_BOUNDED_RATES = ("notification_open_rate_30d", "notification_click_rate_30d")


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation: the GE class name (``ExpectColumnValuesToNotBeNull``) and its kwargs."""

    expectation: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        """The column checked (``a,b`` for a compound check); ``None`` for table checks."""
        if "column_list" in self.kwargs:
            return ",".join(self.kwargs["column_list"])
        return self.kwargs.get("column")


@dataclass(frozen=True, slots=True)
class Suite:
    """A named list of checks over one table's ``as_of`` snapshot."""

    name: str
    table: str
    checks: tuple[Check, ...]


def row_count_check(previous: int | None, *, tolerance: float) -> Check:
    """Rows within ``previous * (1 ± tolerance)``; at least one row when there is no previous."""
    if previous is None:
        return Check("ExpectTableRowCountToBeBetween", {"min_value": 1})
    low = int(previous * (1 - tolerance))
    high = int(previous * (1 + tolerance)) + 1
    return Check("ExpectTableRowCountToBeBetween", {"min_value": max(low, 1), "max_value": high})


def _identity(keys: Sequence[str]) -> list[Check]:
    checks = [Check("ExpectColumnValuesToNotBeNull", {"column": k}) for k in keys]
    if len(keys) == 1:
        checks.append(Check("ExpectColumnValuesToBeUnique", {"column": keys[0]}))
    else:
        checks.append(Check("ExpectCompoundColumnsToBeUnique", {"column_list": list(keys)}))
    return checks


def features_suite(
    columns: Iterable[str],
    *,
    previous: int | None,
    tolerance: float,
    registry: FeatureRegistry = USER_FEATURES,
) -> Suite:
    """user_id present and unique, counts non-negative, rates in [0, 1], hours in 0..23."""
    present = set(columns)
    checks = _identity(["user_id"])
    for feature in registry.by_source("batch"):
        if feature.name not in present:
            continue
        if isinstance(feature.computation, EventCount):
            checks.append(
                Check("ExpectColumnValuesToBeBetween", {"column": feature.name, "min_value": 0})
            )
        elif isinstance(feature.computation, Ratio) and feature.name in _BOUNDED_RATES:
            checks.append(
                Check(
                    "ExpectColumnValuesToBeBetween",
                    {"column": feature.name, "min_value": 0, "max_value": 1},
                )
            )
        elif feature.name == "preferred_local_hour_30d":
            checks.append(
                Check(
                    "ExpectColumnValuesToBeBetween",
                    {"column": feature.name, "min_value": 0, "max_value": 23},
                )
            )
    checks.append(row_count_check(previous, tolerance=tolerance))
    return Suite("gold.user_features", "gold.user_features", tuple(checks))


def scores_suite(*, previous: int | None, tolerance: float) -> Suite:
    """user_id present and unique; every score in [0, 1]; a model version on every row."""
    checks = [
        *_identity(["user_id"]),
        Check("ExpectColumnValuesToNotBeNull", {"column": "score"}),
        Check("ExpectColumnValuesToBeBetween", {"column": "score", "min_value": 0, "max_value": 1}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "model_version"}),
        row_count_check(previous, tolerance=tolerance),
    ]
    return Suite("gold.user_scores", "gold.user_scores", tuple(checks))


def segments_suite(
    segment_names: Sequence[str], *, previous: int | None, tolerance: float
) -> Suite:
    """(user_id, segment) unique; only declared segments; the count compared once it is large."""
    checks = [
        *_identity(["user_id", "segment"]),
        Check("ExpectColumnValuesToNotBeNull", {"column": "segment"}),
        Check(
            "ExpectColumnValuesToBeInSet", {"column": "segment", "value_set": list(segment_names)}
        ),
    ]
    if previous and previous >= MIN_ROWS_FOR_CHANGE:  # few members swing by chance
        checks.append(row_count_check(previous, tolerance=tolerance))
    return Suite("gold.user_segments", "gold.user_segments", tuple(checks))
