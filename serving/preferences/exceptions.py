"""Errors of the preference store. All derive from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = ["PreferenceError"]


class PreferenceError(ClarionError):
    """Stored preferences are unreadable, or the store could not be reached."""
