"""Errors raised by campaign measurement and uplift targeting."""

from clarion.exceptions import ClarionError

__all__ = ["DatasetIntegrityError", "MarketingError", "OutcomesFrameError"]


class MarketingError(ClarionError):
    """Base of every error raised by the ``marketing`` package."""


class OutcomesFrameError(MarketingError, ValueError):
    """A sends, conversions or outcomes frame lacks a column or breaks its contract."""


class DatasetIntegrityError(MarketingError):
    """A reference data file is missing or is not the exact file the code was checked on."""
