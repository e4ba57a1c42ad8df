"""Errors of the synthetic world generator. Each says what was wrong and what to do."""

from clarion.exceptions import ClarionError, ConfigurationError

__all__ = ["SinkError", "SinkUnavailableError", "WorldError", "WorldSpecError"]


class WorldError(ClarionError):
    """Base of the generator's errors."""


class WorldSpecError(WorldError, ConfigurationError):
    """An option of ``clarion generate`` (or a field of ``WorldSpec``) has an invalid value."""


class SinkError(WorldError):
    """A sink failed while writing generated data (Delta write, Kafka delivery)."""


class SinkUnavailableError(SinkError):
    """A sink's service cannot be reached (e.g. no Kafka broker at the configured address)."""
