"""Errors of the expression language: each names the position in the text it refers to."""

from __future__ import annotations

from clarion.exceptions import ConfigurationError

__all__ = [
    "ExpressionError",
    "ExpressionNameError",
    "ExpressionSyntaxError",
    "ExpressionTypeError",
]


class ExpressionError(ConfigurationError):
    """An expression is invalid; ``position`` is the 0-based offset of the problem in ``text``."""

    def __init__(self, message: str, *, text: str, position: int) -> None:
        self.reason = message
        self.text = text
        self.position = position
        pointer = f"\n    {text}\n    {' ' * position}^" if "\n" not in text else ""
        super().__init__(f"{message} at position {position}{pointer}")


class ExpressionSyntaxError(ExpressionError):
    """The text is not a well-formed expression."""


class ExpressionNameError(ExpressionError):
    """The expression uses a name that is not a known feature (or ``score``)."""


class ExpressionTypeError(ExpressionError):
    """Operands have types the operator does not accept (``"a" + 1``, ``not 3``)."""
