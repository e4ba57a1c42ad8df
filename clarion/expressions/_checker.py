"""Type checking: every name known, every operator given operands it accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from clarion.expressions.exceptions import ExpressionNameError, ExpressionTypeError
from clarion.expressions.nodes import (
    Arithmetic,
    Comparison,
    Constant,
    InList,
    IsNull,
    Logical,
    Name,
    Negate,
    Node,
    Not,
)

__all__ = ["ValueType", "infer_type"]

ValueType = Literal["number", "string", "boolean", "null"]


def constant_type(value: object) -> ValueType:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def infer_type(node: Node, *, names: Mapping[str, ValueType], text: str) -> ValueType:
    """The type ``node`` evaluates to (a null result aside).

    Raises:
        ExpressionNameError: a name not in ``names``.
        ExpressionTypeError: an operator applied to operands it does not accept.
    """

    def fail(message: str, at: Node) -> ExpressionTypeError:
        return ExpressionTypeError(message, text=text, position=at.pos)

    def walk(n: Node) -> ValueType:
        match n:
            case Constant(value=value):
                return constant_type(value)
            case Name(name=name):
                if name not in names:
                    known = ", ".join(sorted(names)[:8])
                    raise ExpressionNameError(
                        f"unknown name {name!r} (known names include: {known}, ...)",
                        text=text,
                        position=n.pos,
                    )
                return names[name]
            case Negate(operand=operand):
                if walk(operand) != "number":
                    raise fail("'-' needs a number", n)
                return "number"
            case Not(operand=operand):
                if walk(operand) != "boolean":
                    raise fail("'not' needs a boolean (a comparison, say)", n)
                return "boolean"
            case Logical(op=op, left=left, right=right):
                for side in (left, right):
                    if walk(side) != "boolean":
                        raise fail(f"'{op}' needs booleans on both sides", side)
                return "boolean"
            case Arithmetic(op=op, left=left, right=right):
                if walk(left) != "number" or walk(right) != "number":
                    raise fail(f"'{op}' needs numbers on both sides", n)
                return "number"
            case Comparison(op=op, left=left, right=right):
                lt, rt = walk(left), walk(right)
                if "null" in (lt, rt):
                    raise fail(f"'{op}' with null is never true; write 'is null'", n)
                if lt != rt:
                    raise fail(f"'{op}' compares a {lt} with a {rt}", n)
                if lt == "boolean" and op not in ("==", "!="):
                    raise fail(f"booleans compare only with == or !=, not '{op}'", n)
                return "boolean"
            case InList(operand=operand, options=options):
                wanted = walk(operand)
                if wanted == "null":
                    raise fail("'in' needs a value, not null", n)
                if not options:
                    raise fail("'in' needs at least one item in the list", n)
                for option in options:
                    if constant_type(option.value) != wanted:
                        raise fail(
                            f"list item {option.value!r} is not a {wanted} like the left side",
                            option,
                        )
                return "boolean"
            case IsNull(operand=operand):
                walk(operand)
                return "boolean"
        raise AssertionError(f"unknown node {n!r}")  # pragma: no cover

    return walk(node)
