"""Errors of publishing the batch view. All derive from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = ["PublishError", "SourceTableError", "VerificationError"]


class PublishError(ClarionError):
    """A publish run cannot go on; the message says why and what to do."""


class SourceTableError(PublishError):
    """A gold Delta table is missing or lacks a column the contract needs."""


class VerificationError(PublishError):
    """A store holds a different number of users than the batch layer produced: no switch."""
