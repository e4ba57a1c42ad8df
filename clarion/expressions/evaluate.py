"""A Python evaluator with the same three-valued (SQL) semantics as the Spark compiler.

A null operand makes arithmetic and comparisons null; ``and``/``or`` follow
Kleene logic (``false and null`` is false, ``true or null`` is true); division
by zero is null. A row belongs to a segment when the expression is ``True``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

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
    Value,
)

__all__ = ["evaluate"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _arithmetic(op: str, left: Any, right: Any) -> Value:
    result: Value
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    else:
        result = None if right == 0 else left / right
    return result


def evaluate(node: Node, row: Mapping[str, Value]) -> Value:
    """Evaluate a checked expression tree on one row (feature name -> value)."""
    match node:
        case Constant(value=value):
            return value
        case Name(name=name):
            return row.get(name)
        case Negate(operand=operand):
            value = evaluate(operand, row)
            return None if value is None else -value  # type: ignore[operator]
        case Not(operand=operand):
            value = evaluate(operand, row)
            return None if value is None else not value
        case Logical(op=op, left=left, right=right):
            a, b = evaluate(left, row), evaluate(right, row)
            decisive = op == "or"  # `true or _` is true; `false and _` is false
            if a is decisive or b is decisive:
                return decisive
            return None if a is None or b is None else not decisive
        case Arithmetic(op=op, left=left, right=right):
            a, b = evaluate(left, row), evaluate(right, row)
            return None if a is None or b is None else _arithmetic(op, a, b)
        case Comparison(op=op, left=left, right=right):
            a, b = evaluate(left, row), evaluate(right, row)
            return None if a is None or b is None else _COMPARE[op](a, b)
        case InList(operand=operand, options=options, negated=negated):
            value = evaluate(operand, row)
            if value is None:
                return None
            found = any(value == o.value for o in options)
            return found != negated
        case IsNull(operand=operand, negated=negated):
            return (evaluate(operand, row) is None) != negated
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover
