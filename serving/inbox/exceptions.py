"""Errors of the inbox and decision log (derive from :class:`clarion.exceptions.ClarionError`)."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = ["InboxError"]


class InboxError(ClarionError):
    """The inbox or decision log tables are misconfigured or could not be written."""
