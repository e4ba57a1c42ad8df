"""Errors of the speed layer, all deriving from Clarion's base errors."""

from __future__ import annotations

from clarion.exceptions import ClarionError, ConfigurationError

__all__ = [
    "DeliveryError",
    "ExpressionError",
    "RuleFileError",
    "SpeedLayerError",
    "StateError",
]


class SpeedLayerError(ClarionError):
    """Base of the speed layer's errors."""


class ExpressionError(SpeedLayerError):
    """A rule condition does not parse or does not type-check; names the position.

    Attributes:
        position: 0-based character offset into the expression text.
    """

    def __init__(self, message: str, *, position: int, text: str) -> None:
        self.position = position
        self.text = text
        pointer = f"\n    {text}\n    {' ' * position}^" if len(text) <= 200 else ""
        super().__init__(f"at position {position}: {message}{pointer}")


class RuleFileError(ConfigurationError, SpeedLayerError):
    """A trigger rule file is invalid; the message names the file, the rule and the field."""


class StateError(SpeedLayerError):
    """The real-time view could not be read or written (Redis unreachable, bad reply)."""


class DeliveryError(SpeedLayerError):
    """Kafka refused the transaction in a way a retry cannot fix (fenced, unauthorized)."""
