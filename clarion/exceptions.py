"""The root of Clarion's errors. Each area has its own ``exceptions.py`` deriving from these."""

__all__ = ["ClarionError", "ConfigurationError", "SettingsError"]


class ClarionError(Exception):
    """Base of every error Clarion raises on purpose. Messages say what was wrong and what to do."""


class ConfigurationError(ClarionError):
    """A user-facing file (campaign, segment, trigger rule) or setting is invalid."""


class SettingsError(ConfigurationError):
    """The environment gives invalid settings; the message names each variable."""
