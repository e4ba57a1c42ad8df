"""Daily and weekly rhythms in each user's own time zone.

Activity follows a local-time curve (quiet nights, a lunch bump, an evening
peak) shifted by a personal chronotype, and a weekly curve (busier weekends).
Local times become UTC through the per-day offset table of
:mod:`clarion.world.geography`, so daylight saving time is respected.

The generator works on *local days* ``0 .. days + 1``: local day ``d`` is the
calendar date ``start_date - 1 + d``. One day of margin on each side covers every
time zone; events outside the UTC window are dropped afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np

from clarion.world.geography import utc_offsets_ms
from clarion.world.model import MS_PER_DAY, WorldSpec

__all__ = ["HOURLY_WEIGHTS", "WEEKDAY_WEIGHTS", "Clock", "daily_times_ms", "window_times_ms"]

# Relative activity per local hour 0..23.
HOURLY_WEIGHTS: Final = np.array(
    [0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.0, 2.1, 2.1, 2.4,
     3.1, 2.9, 2.3, 2.1, 2.2, 2.6, 3.3, 4.1, 4.5, 4.0, 2.9, 1.7]
)  # fmt: skip
# Relative activity per local weekday, Monday first (mean 1).
WEEKDAY_WEIGHTS: Final = np.array([0.93, 0.94, 0.96, 0.99, 1.04, 1.09, 1.05])
_HOUR_CDF: Final = np.cumsum(HOURLY_WEIGHTS) / HOURLY_WEIGHTS.sum()
_MS_PER_HOUR: Final = 3_600_000


@dataclass(frozen=True, slots=True)
class Clock:
    """Converts local days and times of a world's users to UTC milliseconds."""

    first_local_day: int  # days since epoch of local day 0
    local_days: int
    offsets_ms: np.ndarray  # (places, local_days)

    @classmethod
    def for_spec(cls, spec: WorldSpec) -> Clock:
        """The clock of a world: local days from the day before the window to the day after."""
        return cls(
            first_local_day=spec.start_day - 1,
            local_days=spec.days + 2,
            offsets_ms=utc_offsets_ms(
                first_day=spec.start_date - timedelta(days=1), days=spec.days + 2
            ),
        )

    def weekday_weights(self) -> np.ndarray:
        """Weekly-cycle weight of each local day (1970-01-01 was a Thursday)."""
        days = self.first_local_day + np.arange(self.local_days)
        return np.asarray(WEEKDAY_WEIGHTS[(days + 3) % 7])

    def to_utc_ms(
        self, *, place: np.ndarray, local_day: np.ndarray, local_ms: np.ndarray
    ) -> np.ndarray:
        """UTC milliseconds of a local time of day on a local day in a place."""
        base = (self.first_local_day + local_day) * MS_PER_DAY + local_ms
        return np.asarray(base - self.offsets_ms[place, local_day])


def daily_times_ms(rng: np.random.Generator, *, shift_ms: np.ndarray) -> np.ndarray:
    """Local times of day (ms) following :data:`HOURLY_WEIGHTS`, shifted per user."""
    n = len(shift_ms)
    hour = np.searchsorted(_HOUR_CDF, rng.random(n), side="right")
    ms = hour * _MS_PER_HOUR + rng.integers(0, _MS_PER_HOUR, n)
    return np.asarray((ms + shift_ms) % MS_PER_DAY)


def window_times_ms(
    rng: np.random.Generator, *, first_hour: int, last_hour: int, size: int
) -> np.ndarray:
    """Uniform local times of day between ``first_hour`` and the end of ``last_hour``."""
    return rng.integers(first_hour * _MS_PER_HOUR, (last_hour + 1) * _MS_PER_HOUR, size)
