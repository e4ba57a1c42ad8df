"""Errors of the local stack. Each names the service, what happened, what to do, and the log."""

from clarion.exceptions import ClarionError

__all__ = [
    "JavaNotFoundError",
    "PortInUseError",
    "ServiceExitedError",
    "ServiceNotReadyError",
    "StackError",
]


class StackError(ClarionError):
    """A local service is missing, failed to start, or never became ready."""


class JavaNotFoundError(StackError):
    """No suitable ``java`` on the PATH for a JVM service (Kafka, Cassandra)."""


class PortInUseError(StackError):
    """A port a service must bind is already held by another program."""


class ServiceExitedError(StackError):
    """A service process exited while it was starting."""


class ServiceNotReadyError(StackError):
    """A service did not answer its readiness check within the timeout."""
