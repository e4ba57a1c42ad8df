"""One user's merged view: the current batch view plus the real-time view, with freshness.

:func:`merge_views` is pure (values in, a :class:`MergedView` out);
:class:`MergedViewReader` fetches both parts and calls it.

Freshness: a batch version ``as_of`` D covers the whole day, so its data is as old
as the end of D (``batch_age = now - (D + 1 day, 00:00 UTC)``, never negative). A
batch feature is stale when there is no current version or ``batch_age`` exceeds the
feature's declared ``freshness`` (a *null* in a fresh version is a value, not
staleness). A streaming feature is stale when it has no update time or its age
exceeds its ``freshness``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from feature_store import USER_FEATURES, FeatureRegistry
from serving.stores import BatchRecord, BatchViewStore, decode_value
from serving.stores.base import AS_OF, MODEL_VERSION, SCORE, SEGMENTS
from serving.stores.codec import Value
from serving.view.realtime import RealtimeSnapshot, RealtimeViewReader

__all__ = ["MergedView", "MergedViewReader", "merge_views"]


@dataclass(frozen=True, slots=True)
class MergedView:
    user_id: str
    batch: Mapping[str, Value]
    batch_version: str | None
    batch_as_of: date | None
    batch_age: timedelta | None
    realtime: Mapping[str, Value]
    realtime_age: Mapping[str, timedelta]
    stale: Mapping[str, bool]
    score: float | None = None
    model_version: str | None = None
    segments: tuple[str, ...] = field(default_factory=tuple)

    @property
    def stale_features(self) -> tuple[str, ...]:
        return tuple(name for name, is_stale in self.stale.items() if is_stale)

    @property
    def realtime_freshness(self) -> timedelta | None:
        """The age of the oldest streaming value held (``None``: none held)."""
        return max(self.realtime_age.values(), default=None)


def merge_views(
    *,
    user_id: str,
    batch: BatchRecord | None,
    realtime: RealtimeSnapshot,
    now: datetime,
    features: FeatureRegistry = USER_FEATURES,
) -> MergedView:
    fields = batch.fields if batch is not None else {}
    as_of = date.fromisoformat(fields[AS_OF]) if AS_OF in fields else None
    batch_age: timedelta | None = None
    if as_of is not None:
        data_end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
        batch_age = max(now - data_end, timedelta(0))
    typed: dict[str, Value] = {}
    stale: dict[str, bool] = {}
    for feature in features.by_source("batch"):
        if feature.name in fields:
            typed[feature.name] = decode_value(feature.dtype, fields[feature.name])
        stale[feature.name] = batch_age is None or batch_age > feature.freshness
    ages: dict[str, timedelta] = {}
    values: dict[str, Value] = {}
    for feature in features.by_source("streaming"):
        if feature.name in realtime.values:
            values[feature.name] = realtime.values[feature.name]
        at = realtime.updated_at.get(feature.name)
        if at is not None:
            ages[feature.name] = max(now - at, timedelta(0))
        age = ages.get(feature.name)
        stale[feature.name] = age is None or age > feature.freshness
    return MergedView(
        user_id=user_id,
        batch=typed,
        batch_version=batch.version if batch is not None else None,
        batch_as_of=as_of,
        batch_age=batch_age,
        realtime=values,
        realtime_age=ages,
        stale=stale,
        score=float(fields[SCORE]) if SCORE in fields else None,
        model_version=fields.get(MODEL_VERSION),
        segments=tuple(json.loads(fields.get(SEGMENTS, "[]"))),
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MergedViewReader:
    """The one read API: ``reader.read(user_id) -> MergedView``."""

    def __init__(
        self,
        *,
        batch: BatchViewStore,
        realtime: RealtimeViewReader,
        features: FeatureRegistry = USER_FEATURES,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._batch = batch
        self._realtime = realtime
        self._features = features
        self._clock = clock

    def read(self, user_id: str) -> MergedView:
        return merge_views(
            user_id=user_id,
            batch=self._batch.online_read(user_id),
            realtime=self._realtime.read(user_id),
            now=self._clock(),
            features=self._features,
        )
