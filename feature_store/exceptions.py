"""Errors of the feature declarations."""

from clarion.exceptions import ConfigurationError

__all__ = ["FeatureDefinitionError"]


class FeatureDefinitionError(ConfigurationError):
    """A feature declaration is invalid; the message names the feature and the problem."""
