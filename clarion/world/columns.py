"""Generated events as plain numpy columns, before they become contract JSON.

One row per event. ``kind`` indexes :data:`clarion.events.EVENT_TYPES`; the
meaning of ``item`` depends on the kind: a product number for product events,
a page or query index, a merchant index for transactions, a channel index for
notifications. ``ref`` carries the random part of order and notification ids.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

import numpy as np

from clarion.events import EVENT_TYPES

__all__ = ["KIND", "EventColumns"]

KIND: Final[dict[str, int]] = {name: i for i, name in enumerate(EVENT_TYPES)}


def _fill(value: np.ndarray | int | None, n: int, default: int, dtype: type) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=dtype)
    if isinstance(value, int):
        return np.full(n, value, dtype=dtype)
    return value.astype(dtype, copy=False)


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Events of one block or chunk as columns of equal length."""

    user: np.ndarray  # int64 user number
    ts_ms: np.ndarray  # int64 UTC milliseconds since the epoch
    kind: np.ndarray  # int8 index into EVENT_TYPES
    category: np.ndarray  # int8 index into CATEGORIES, -1 when none
    item: np.ndarray  # int64, meaning depends on kind, -1 when none
    cents: np.ndarray  # int64 price or amount in cents, -1 when none
    ref: np.ndarray  # uint64 random id part, 0 when none

    @classmethod
    def of(
        cls,
        *,
        user: np.ndarray,
        ts_ms: np.ndarray,
        kind: np.ndarray | int,
        category: np.ndarray | None = None,
        item: np.ndarray | None = None,
        cents: np.ndarray | None = None,
        ref: np.ndarray | None = None,
    ) -> EventColumns:
        """Build columns, filling the ones a kind does not use."""
        n = len(user)
        return cls(
            user=user.astype(np.int64, copy=False),
            ts_ms=ts_ms.astype(np.int64, copy=False),
            kind=_fill(kind, n, 0, np.int8),
            category=_fill(category, n, -1, np.int8),
            item=_fill(item, n, -1, np.int64),
            cents=_fill(cents, n, -1, np.int64),
            ref=_fill(ref, n, 0, np.uint64),
        )

    @classmethod
    def concat(cls, parts: list[EventColumns]) -> EventColumns:
        """Rows of every part, in order."""
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, index: np.ndarray | slice) -> EventColumns:
        """The rows at ``index`` (an integer array, or a slice for views)."""
        return EventColumns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def __len__(self) -> int:
        return len(self.user)
