"""The parameters of one synthetic world: who, how long, from when, and which seed.

Everything the generator produces is a pure function of a :class:`WorldSpec`.
Users are generated in fixed blocks of :data:`BLOCK_USERS`, each with its own
random stream, so the data do not depend on how many users are processed at
once (``chunk_users`` only trades memory for speed).

>>> spec = WorldSpec(users=2_500, days=7, start_date=date(2026, 1, 5), seed=7)
>>> spec.block_count, spec.end_date
(3, datetime.date(2026, 1, 12))
>>> [(b.first_user, b.size) for b in spec.blocks()][-1]
(2000, 500)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from clarion.world.exceptions import WorldSpecError

__all__ = ["BLOCK_USERS", "MAX_USERS", "UserBlock", "WorldSpec", "default_start_date"]

BLOCK_USERS: Final = 1_000
"""Users per random stream; fixed so the world does not depend on the chunk size."""

MAX_USERS: Final = 999_999_999
"""User ids are ``u`` plus nine digits."""

MAX_DAYS: Final = 3_660
MS_PER_DAY: Final = 86_400_000


def default_start_date(days: int, *, today: date | None = None) -> date:
    """The default window start: ``days`` days before today (UTC), so the window ends today."""
    now = today or datetime.now(UTC).date()
    return now - timedelta(days=days)


@dataclass(frozen=True, slots=True)
class UserBlock:
    """A run of consecutive users sharing one random stream."""

    index: int
    first_user: int
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorldSpec:
    """What to generate.

    Attributes:
        users: number of users; ids are ``u000000000`` upwards.
        days: length of the event window in days.
        start_date: first UTC day of the window (events lie in
            ``[start_date, start_date + days)``, UTC midnight to midnight);
            by default ``days`` days before today, so the window ends today.
        seed: the world's seed; same spec and seed give the same data.
        chunk_users: users generated and written at once (rounded up to a
            multiple of :data:`BLOCK_USERS`); bounds memory, does not change data.
    """

    users: int
    days: int
    start_date: date = date.min  # date.min: ``days`` days before today (UTC)
    seed: int = 42
    chunk_users: int = 20_000

    def __post_init__(self) -> None:
        if not 1 <= self.users <= MAX_USERS:
            raise WorldSpecError(f"--users must be between 1 and {MAX_USERS:,}, got {self.users}")
        if not 1 <= self.days <= MAX_DAYS:
            raise WorldSpecError(f"--days must be between 1 and {MAX_DAYS}, got {self.days}")
        if not 0 <= self.seed < 2**63:
            raise WorldSpecError(f"--seed must be a non-negative 63-bit integer, got {self.seed}")
        if self.chunk_users < 1:
            raise WorldSpecError(
                f"--chunk-users must be at least 1 (try {20_000:,}), got {self.chunk_users}"
            )
        if self.start_date == date.min:
            object.__setattr__(self, "start_date", default_start_date(self.days))
        if not isinstance(self.start_date, date) or isinstance(self.start_date, datetime):
            raise WorldSpecError(f"start_date must be a date, got {self.start_date!r}")
        if self.start_date.year < 1980 or self.end_date.year > 2200:
            raise WorldSpecError(f"--start-date is out of range: {self.start_date}")

    @property
    def end_date(self) -> date:
        """The first UTC day after the window."""
        return self.start_date + timedelta(days=self.days)

    @property
    def start_day(self) -> int:
        """The window's first day as days since the Unix epoch."""
        return (self.start_date - date(1970, 1, 1)).days

    @property
    def start_ms(self) -> int:
        """Window start, milliseconds since the epoch (UTC)."""
        return self.start_day * MS_PER_DAY

    @property
    def end_ms(self) -> int:
        """Window end (exclusive), milliseconds since the epoch (UTC)."""
        return (self.start_day + self.days) * MS_PER_DAY

    @property
    def block_count(self) -> int:
        """How many user blocks the world has."""
        return -(-self.users // BLOCK_USERS)

    @property
    def blocks_per_chunk(self) -> int:
        """User blocks generated and written together."""
        return max(1, -(-self.chunk_users // BLOCK_USERS))

    def blocks(self) -> Iterator[UserBlock]:
        """Every user block in order."""
        for index in range(self.block_count):
            first = index * BLOCK_USERS
            yield UserBlock(
                index=index, first_user=first, size=min(BLOCK_USERS, self.users - first)
            )

    def chunks(self) -> Iterator[list[UserBlock]]:
        """User blocks grouped into chunks of about ``chunk_users`` users."""
        batch: list[UserBlock] = []
        for block in self.blocks():
            batch.append(block)
            if len(batch) == self.blocks_per_chunk:
                yield batch
                batch = []
        if batch:
            yield batch
