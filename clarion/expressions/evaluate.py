"""The Python evaluator, with the same three-valued (SQL) semantics as the Spark compiler.

:func:`python_evaluator` turns a checked tree into nested closures once (no ``eval``,
``exec`` or ``compile``: the only operations reachable are written out below); the
result is called per row or per event. :func:`evaluate` is the one-off form.

A null operand makes arithmetic, comparisons and ``in`` null; ``and``/``or`` follow
Kleene logic (``false and null`` is false, ``true or null`` is true); division by zero
is null. ``coalesce`` takes the first non-null argument; ``min``/``max`` skip nulls (as
Spark's ``least``/``greatest`` do). Data of an unexpected type at run time gives null,
never an exception. A row belongs to a segment, and a rule's condition holds, only when
the result is ``True``.

>>> from clarion.expressions import parse
>>> python_evaluator(parse("a.b * 2 > 3 or missing"))({"a": {"b": 2}})
True
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from clarion.expressions.nodes import (
    Arithmetic,
    Call,
    Comparison,
    Constant,
    Contains,
    InList,
    IsNull,
    Logical,
    Name,
    Negate,
    Node,
    Not,
)

__all__ = ["Evaluator", "evaluate", "python_evaluator"]

Row = Mapping[str, Any]
Evaluator = Callable[[Row], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    if not (_number(a) and _number(b)):
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b != 0 else None


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None or isinstance(a, bool) != isinstance(b, bool):
        return None
    try:
        return bool(_COMPARE[op](a, b))
    except TypeError:  # data of another type than declared
        return None


def _contains(container: Any, item: Any) -> bool | None:
    if item is None or container is None:
        return None
    if isinstance(container, str):
        return item in container if isinstance(item, str) else None
    if isinstance(container, Mapping | list | tuple):
        try:
            return bool(item in container)
        except TypeError:  # an unhashable item looked up in a map
            return None
    return None


def _function(name: str, args: list[Any]) -> Any:
    if name == "coalesce":
        return next((a for a in args if a is not None), None)
    present = [a for a in args if a is not None]
    if not all(_number(a) for a in present):
        return None
    if name == "abs":
        return abs(present[0]) if present else None
    if not present:
        return None
    return min(present) if name == "min" else max(present)


def _logical(op: str, left: Any, right: Any) -> bool | None:
    a = left if isinstance(left, bool) else None
    b = right if isinstance(right, bool) else None
    decisive = op == "or"  # `true or _` is true; `false and _` is false
    if a is decisive or b is decisive:
        return decisive
    return None if a is None or b is None else not decisive


def python_evaluator(node: Node) -> Evaluator:
    """A function of one row (name -> value, dotted names through nested mappings)."""
    match node:
        case Constant(value=value):
            return lambda row: value
        case Name(name=name) if "." not in name:
            return lambda row: row.get(name)
        case Name():
            return _lookup(node.path)
        case Negate(operand=operand):
            inner = python_evaluator(operand)
            return lambda row: -v if _number(v := inner(row)) else None
        case Not(operand=operand):
            inner = python_evaluator(operand)
            return lambda row: not v if isinstance(v := inner(row), bool) else None
        case Logical(op=op, left=left, right=right):
            a, b = python_evaluator(left), python_evaluator(right)
            return lambda row: _logical(op, a(row), b(row))
        case Arithmetic(op=op, left=left, right=right):
            a, b = python_evaluator(left), python_evaluator(right)
            return lambda row: _arithmetic(op, a(row), b(row))
        case Comparison(op=op, left=left, right=right):
            a, b = python_evaluator(left), python_evaluator(right)
            return lambda row: _compare(op, a(row), b(row))
        case InList(operand=operand, options=options, negated=negated):
            inner, values = python_evaluator(operand), [o.value for o in options]
            return lambda row: _in_list(inner(row), values, negated)
        case Contains(item=item, container=container, negated=negated):
            a, b = python_evaluator(item), python_evaluator(container)
            return lambda row: _negate(_contains(b(row), a(row)), negated)
        case IsNull(operand=operand, negated=negated):
            inner = python_evaluator(operand)
            return lambda row: (inner(row) is None) != negated
        case Call(function=function, args=args):
            compiled = [python_evaluator(a) for a in args]
            return lambda row: _function(function, [a(row) for a in compiled])
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _lookup(path: tuple[str, ...]) -> Evaluator:
    head, rest = path[0], path[1:]

    def lookup(row: Row) -> Any:
        value: Any = row.get(head)
        for part in rest:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return lookup


def _in_list(value: Any, options: list[Any], negated: bool) -> bool | None:
    if value is None:
        return None
    found = any(value == o and isinstance(value, bool) == isinstance(o, bool) for o in options)
    return found != negated


def _negate(value: bool | None, negated: bool) -> bool | None:
    return value if value is None or not negated else not value


def evaluate(node: Node, row: Row) -> Any:
    """Evaluate a checked expression tree on one row (feature name -> value)."""
    return python_evaluator(node)(row)
