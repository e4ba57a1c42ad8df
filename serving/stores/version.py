"""Batch-view version ids: deterministic per ``as_of`` and publish run.

A version id is ``<as_of ISO date>.<run_id>``, e.g. ``2026-11-27.r1``. Rerunning the
same ``as_of`` and ``run_id`` addresses the *same* version, which is what makes a
crashed publish resumable; republishing a day on purpose takes a new ``run_id``.

>>> BatchVersion(as_of=date(2026, 11, 27)).id
'2026-11-27.r1'
>>> BatchVersion.parse("2026-11-27.r2").run_id
'r2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from serving.stores.exceptions import StoreError

__all__ = ["BatchVersion"]

_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True, slots=True, order=True)
class BatchVersion:
    as_of: date
    run_id: str = "r1"

    def __post_init__(self) -> None:
        if not _RUN_ID.fullmatch(self.run_id):
            raise StoreError(
                f"run id {self.run_id!r} must be 1-32 letters, digits, '_' or '-' (e.g. 'r2')"
            )

    @property
    def id(self) -> str:
        return f"{self.as_of.isoformat()}.{self.run_id}"

    @classmethod
    def parse(cls, version: str) -> BatchVersion:
        day, dot, run_id = version.partition(".")
        try:
            return cls(as_of=date.fromisoformat(day), run_id=run_id if dot else "")
        except ValueError:
            raise StoreError(
                f"{version!r} is not a batch-view version ('<YYYY-MM-DD>.<run id>')"
            ) from None
