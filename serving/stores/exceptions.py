"""Errors of the serving stores. All derive from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = ["StoreError"]


class StoreError(ClarionError):
    """A batch-view store was misused, misconfigured or could not be reached."""
