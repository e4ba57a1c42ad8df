"""The dispatch policy: one typed, frozen object holding every knob the dispatcher reads.

Load it from YAML with :func:`serving.dispatch.policy_file.load_policy`; the
defaults here are a sensible starting point, not a recommendation for every
audience.
"""

from __future__ import annotations

import itertools
from datetime import time, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from clarion.events import Channel
from serving.dispatch._types import Duration, LocalTime
from serving.dispatch.priority import Priority

__all__ = [
    "DispatchPolicy",
    "FrequencyCap",
    "IdempotencyPolicy",
    "LoadShedding",
    "QuietHours",
    "RateLimit",
    "ShedThreshold",
    "TtlDefaults",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrequencyCap(_Frozen):
    """At most ``limit`` counted sends in any rolling ``window``, e.g. 3 per 24h."""

    window: Duration
    limit: int = Field(ge=0)


class QuietHours(_Frozen):
    """A daily window of local wall-clock time ``[start, end)``; it may cross midnight."""

    start: LocalTime = time(22, 0)
    end: LocalTime = time(8, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ; omit quiet_hours to disable them")
        return self

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time falls inside the window.

        >>> QuietHours(start="22:00", end="08:00").contains(time(23, 30))
        True
        """
        local = local.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class ShedThreshold(_Frozen):
    """Shed a class once the intent queue is this deep or consumers lag this much."""

    queue_depth: int | None = Field(default=None, ge=1)
    lag_seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_signal(self) -> ShedThreshold:
        if self.queue_depth is None and self.lag_seconds is None:
            raise ValueError("set queue_depth, lag_seconds or both")
        return self


class LoadShedding(_Frozen):
    """Per-class thresholds. Transactional has no entry: it is never shed.

    A higher class must never be shed while a lower one is not, so each signal a
    higher class names must also be named, with a value no larger, by every
    lower class.
    """

    marketing: ShedThreshold = ShedThreshold(queue_depth=200_000, lag_seconds=300)
    triggered: ShedThreshold = ShedThreshold(queue_depth=1_000_000, lag_seconds=900)
    risk_alert: ShedThreshold | None = None

    @model_validator(mode="after")
    def _lowest_first(self) -> LoadShedding:
        ladder = [("marketing", self.marketing), ("triggered", self.triggered)]
        if self.risk_alert is not None:
            ladder.append(("risk_alert", self.risk_alert))
        for (low_name, low), (high_name, high) in itertools.pairwise(ladder):
            for signal in ("queue_depth", "lag_seconds"):
                high_value, low_value = getattr(high, signal), getattr(low, signal)
                if high_value is not None and (low_value is None or low_value > high_value):
                    raise ValueError(
                        f"{low_name}.{signal} must be set and <= {high_name}.{signal} "
                        f"({high_value}): lower priorities are shed first"
                    )
        return self

    def threshold_for(self, priority: Priority) -> ShedThreshold | None:
        """The threshold of a class, or None when it is never shed."""
        if priority == "transactional":
            return None
        threshold: ShedThreshold | None = getattr(self, priority)
        return threshold


class RateLimit(_Frozen):
    """A token bucket shared by every dispatcher: ``per_second`` refill, ``burst`` capacity."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class TtlDefaults(_Frozen):
    """Staleness horizon per class, used when an intent carries no ``ttl`` of its own."""

    transactional: Duration = timedelta(hours=1)
    risk_alert: Duration = timedelta(minutes=30)
    triggered: Duration = timedelta(hours=6)
    marketing: Duration = timedelta(hours=48)

    def for_priority(self, priority: Priority) -> timedelta:
        ttl: timedelta = getattr(self, priority)
        return ttl


class IdempotencyPolicy(_Frozen):
    """``lease``: how long one dispatcher holds an intent while deciding it.

    ``retention``: how long a sent key is remembered. The dispatcher keeps it at
    least until the intent itself goes stale, so a replay is always caught as
    either a duplicate or stale.
    """

    lease: Duration = timedelta(seconds=30)
    retention: Duration = timedelta(days=7)


def _default_caps() -> tuple[FrequencyCap, ...]:
    return (
        FrequencyCap(window=timedelta(hours=24), limit=3),
        FrequencyCap(window=timedelta(days=7), limit=10),
    )


class DispatchPolicy(_Frozen):
    """Everything the dispatcher decides by. ``version`` is copied into every decision."""

    version: str = Field(default="default", min_length=1)
    caps: tuple[FrequencyCap, ...] = Field(default_factory=_default_caps)
    quiet_hours: QuietHours | None = QuietHours()
    shedding: LoadShedding = LoadShedding()
    rate_limits: dict[Channel, RateLimit] = Field(default_factory=dict)
    ttl: TtlDefaults = TtlDefaults()
    idempotency: IdempotencyPolicy = IdempotencyPolicy()

    @model_validator(mode="after")
    def _distinct_windows(self) -> DispatchPolicy:
        windows = [cap.window for cap in self.caps]
        if len(set(windows)) != len(windows):
            raise ValueError("caps: each window may appear once")
        return self
