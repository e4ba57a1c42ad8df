"""Errors of the local stack. Each names the service, what happened, what to do, and the log."""

from clarion.exceptions import ClarionError

__all__ = ["StackError"]


class StackError(ClarionError):
    """A local service is missing, failed to start, or never became ready."""
