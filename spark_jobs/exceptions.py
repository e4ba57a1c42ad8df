"""Errors of the batch layer."""

from clarion.exceptions import ClarionError

__all__ = ["SparkJobError"]


class SparkJobError(ClarionError):
    """A Spark job cannot start or run; the message says what to change."""
