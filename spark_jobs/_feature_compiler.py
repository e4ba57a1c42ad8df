"""Compile batch feature declarations into Spark aggregate expressions.

Each ``feature_store.computations`` spec becomes a conditional aggregate over a
user's events (``sum(when(type in ... and ts >= start, 1))`` and the like), so
the whole registry is evaluated in ONE ``groupBy(user_id).agg(...)`` pass over
the scan window. Specs that are not aggregates are compiled separately:
:class:`Reachable` is a per-user expression over ``silver.users`` and
:class:`Ratio` an expression over two already-computed features.

Nothing here lists features by name: a new declaration in the registry is a new
column, and a new computation type must be taught here (or the compiler refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from clarion.events import CATEGORIES
from feature_store.computations import (
    CategoryShare,
    DaysSinceLast,
    DistinctActiveDays,
    EventCount,
    PreferredLocalHour,
    PropertyMean,
    PropertySum,
    Ratio,
    Reachable,
)
from feature_store.feature import Feature
from spark_jobs.exceptions import FeatureCompileError

if TYPE_CHECKING:
    from pyspark.sql import Column

__all__ = [
    "CONTACT_POINTS",
    "SPARK_TYPES",
    "CompiledFeatures",
    "PointInTime",
    "compile_features",
]

SPARK_TYPES = {
    "int64": "bigint",
    "double": "double",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "map<string,double>": "map<string,double>",
}

CONTACT_POINTS: dict[str, tuple[str, str | None]] = {
    "email": ("consent_email", "email"),
    "push": ("consent_push", "push_token"),
    "sms": ("consent_sms", "phone"),
    "in_app": ("consent_in_app", None),  # the app inbox needs no address
    "webhook": ("consent_webhook", "webhook_url"),  # not in silver.users yet: never reachable
}
"""Channel -> (consent column, contact-point column) in ``silver.users``.

A channel is reachable when its consent is true and its contact point is not
null; a channel whose columns the users table does not have is unreachable.
``webhook`` is such a channel today: webhooks are per-integration, not per-user,
so no user is reachable by webhook until ``silver.users`` grows those columns.
"""


@dataclass(frozen=True, slots=True)
class PointInTime:
    """Features "as of date D" see events with ``ts < D + 1 day`` (end of D, UTC).

    Attributes:
        as_of: the snapshot date D.
        horizon: the longest look-back scanned; events older than ``cutoff - horizon``
            are not read, so ``DaysSinceLast`` is null beyond it.
    """

    as_of: date
    horizon: timedelta

    @property
    def cutoff(self) -> datetime:
        """The first instant NOT seen: midnight UTC after ``as_of`` (naive, session tz UTC)."""
        return datetime.combine(self.as_of + timedelta(days=1), time())

    @property
    def start(self) -> datetime:
        """The first instant seen."""
        return self.cutoff - self.horizon


@dataclass(frozen=True, slots=True)
class CompiledFeatures:
    """A registry compiled into the three kinds of Spark expressions.

    Attributes:
        per_user: ``(name, expr)`` over a ``silver.users`` row (e.g. reachability).
        aggregates: ``(name, expr)`` aggregates over a user's joined event rows.
        derived: ``(name, expr)`` over the aggregated columns, in dependency order.
        finish: ``(name, expr)`` casting every feature to its declared type and
            filling the no-event value (0 for counts and sums, empty map for shares).
    """

    per_user: list[tuple[str, Column]]
    aggregates: list[tuple[str, Column]]
    derived: list[tuple[str, Column]]
    finish: list[tuple[str, Column]]


def _in_window(types: tuple[str, ...], pit: PointInTime, window: timedelta | None) -> Column:
    from pyspark.sql import functions as F

    cond = F.col("type").isin(*types)
    if window is not None:
        cond = cond & (F.col("ts") >= F.lit(pit.cutoff - window))
    return cond


def _aggregate(feature: Feature, pit: PointInTime) -> Column:
    from pyspark.sql import functions as F

    spec = feature.computation
    match spec:
        case EventCount():
            return F.sum(F.when(_in_window(spec.event_types, pit, spec.window), 1).otherwise(0))
        case PropertySum():
            value = F.coalesce(_property(spec.property), F.lit(0.0))
            cond = _in_window(spec.event_types, pit, spec.window)
            return F.sum(F.when(cond, value).otherwise(0.0))
        case PropertyMean():
            cond = _in_window(spec.event_types, pit, spec.window)
            return F.avg(F.when(cond, _property(spec.property)))
        case DaysSinceLast():
            last = F.max(F.when(_in_window(spec.event_types, pit, None), F.col("ts")))
            return F.date_diff(F.lit(pit.as_of), F.to_date(last))
        case DistinctActiveDays():
            cond = _in_window(spec.event_types, pit, spec.window)
            return F.size(F.collect_set(F.when(cond, F.col("event_date"))))
        case CategoryShare():
            cond = _in_window(spec.event_types, pit, spec.window) & F.col("category").isNotNull()
            counts = [
                F.sum(F.when(cond & (F.col("category") == c), 1).otherwise(0)) for c in CATEGORIES
            ]
            total = F.sum(F.when(cond & F.col("category").isin(*CATEGORIES), 1).otherwise(0))
            shares = F.map_from_arrays(
                F.array(*[F.lit(c) for c in CATEGORIES]),
                F.array(*[(n / F.nullif(total, F.lit(0))).cast("double") for n in counts]),
            )
            return F.map_filter(shares, lambda _, v: v > 0)
        case PreferredLocalHour():
            cond = _in_window(spec.event_types, pit, spec.window)
            local = F.hour(F.from_utc_timestamp(F.col("ts"), F.col("timezone")))
            return F.mode(F.when(cond, local), deterministic=True)
    raise FeatureCompileError(
        f"feature {feature.name!r}: the batch compiler has no rule for "
        f"{type(spec).__name__}; add one to spark_jobs/_feature_compiler.py"
    )


def _property(name: str) -> Column:
    """A numeric event property: its typed silver column, else parsed from the JSON."""
    from pyspark.sql import functions as F

    from spark_jobs.clean_events import TYPED_PROPERTIES

    if name in TYPED_PROPERTIES:
        return F.col(name).cast("double")
    return F.get_json_object(F.col("properties"), f"$.{name}").cast("double")


def _reachable(spec: Reachable, user_columns: set[str]) -> Column:
    from pyspark.sql import functions as F

    consent, contact = CONTACT_POINTS.get(spec.channel, (f"consent_{spec.channel}", None))
    if consent not in user_columns or (contact is not None and contact not in user_columns):
        return F.lit(False)
    cond = F.coalesce(F.col(consent).cast("boolean"), F.lit(False))
    if contact is not None:
        cond = cond & F.col(contact).isNotNull() & (F.trim(F.col(contact)) != "")
    return cond


def _fill(feature: Feature) -> Column:
    from pyspark.sql import functions as F

    column = F.col(feature.name)
    spec = feature.computation
    if isinstance(spec, EventCount | PropertySum | DistinctActiveDays):
        column = F.coalesce(column, F.lit(0))
    elif isinstance(spec, CategoryShare):
        column = F.coalesce(column, F.create_map().cast("map<string,double>"))
    return column.cast(SPARK_TYPES[feature.dtype])


def compile_features(
    features: list[Feature], *, pit: PointInTime, user_columns: set[str]
) -> CompiledFeatures:
    """Compile batch feature declarations into Spark expressions.

    Args:
        features: the batch features, in output order.
        pit: the point in time and scan horizon.
        user_columns: columns of the users frame (to see which contact points exist).

    Returns:
        The compiled expressions.

    Raises:
        FeatureCompileError: a computation the batch compiler cannot evaluate, or
            ratios that refer to each other in a cycle.
    """
    from pyspark.sql import functions as F

    per_user, aggregates, ratios = [], [], []
    for feature in features:
        spec = feature.computation
        if isinstance(spec, Reachable):
            per_user.append((feature.name, _reachable(spec, user_columns)))
        elif isinstance(spec, Ratio):
            ratios.append(feature)
        else:
            aggregates.append((feature.name, _aggregate(feature, pit)))
    done = {name for name, _ in per_user + aggregates}
    derived: list[tuple[str, Column]] = []
    while ratios:
        ready = [f for f in ratios if {f.computation.numerator, f.computation.denominator} <= done]
        if not ready:
            raise FeatureCompileError(
                f"ratios {[f.name for f in ratios]} refer to features that are not batch "
                "aggregates, or to each other in a cycle"
            )
        for feature in ready:
            spec = feature.computation
            num, den = F.col(spec.numerator).cast("double"), F.col(spec.denominator).cast("double")
            ratio = num / den if spec.at_most is None else F.least(num / den, F.lit(spec.at_most))
            derived.append((feature.name, F.when(den != 0, ratio)))
            done.add(feature.name)
            ratios.remove(feature)
    finish = [(f.name, _fill(f)) for f in features]
    return CompiledFeatures(
        per_user=per_user, aggregates=aggregates, derived=derived, finish=finish
    )
