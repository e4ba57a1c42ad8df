"""Turn a checked tree into nested Python closures. No ``eval``/``exec``/``compile``:
the only operations reachable are the ones written out below.

Null rules: arithmetic with null is null, division by zero is null, an ordering
comparison with null is false, ``and``/``or``/``not`` treat null as false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from speed_layer.rules.expression._ast import Binary, Call, Constant, ListOf, Name, Node, Unary

__all__ = ["Evaluator", "compile_tree"]

Context = Mapping[str, Any]
Evaluator = Callable[[Context], Any]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arith(op: str, a: Any, b: Any) -> Any:
    if not (_number(a) and _number(b)):
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b != 0 else None


def _contains(container: Any, item: Any) -> bool:
    if item is None or container is None:
        return False
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    try:
        return bool(item in container)
    except TypeError:
        return False


def _function(name: str, args: list[Any]) -> Any:
    if name == "coalesce":
        return next((a for a in args if a is not None), None)
    if not all(_number(a) for a in args):
        return None
    if name == "abs":
        return abs(args[0])
    return min(args) if name == "min" else max(args)


def compile_tree(node: Node) -> Evaluator:
    """A function of the context (``{"event": …, "rt": …, "batch": …}``) computing ``node``."""
    if isinstance(node, Constant):
        value = node.value
        return lambda ctx: value
    if isinstance(node, Name):
        head, rest = node.path[0], node.path[1:]

        def lookup(ctx: Context) -> Any:
            value: Any = ctx.get(head)
            for part in rest:
                if not isinstance(value, Mapping):
                    return None
                value = value.get(part)
            return value

        return lookup
    if isinstance(node, Unary):
        inner = compile_tree(node.operand)
        if node.op == "-":
            return lambda ctx: -v if _number(v := inner(ctx)) else None
        return lambda ctx: inner(ctx) is not True
    if isinstance(node, Call):
        args = [compile_tree(a) for a in node.args]
        name = node.function
        return lambda ctx: _function(name, [a(ctx) for a in args])
    if isinstance(node, ListOf):
        items = [compile_tree(i) for i in node.items]
        return lambda ctx: [i(ctx) for i in items]
    return _binary(node)


def _binary(node: Binary) -> Evaluator:
    left, right, op = compile_tree(node.left), compile_tree(node.right), node.op
    if op == "and":
        return lambda ctx: left(ctx) is True and right(ctx) is True
    if op == "or":
        return lambda ctx: left(ctx) is True or right(ctx) is True
    if op in ("+", "-", "*", "/"):
        return lambda ctx: _arith(op, left(ctx), right(ctx))
    if op == "in":
        return lambda ctx: _contains(right(ctx), left(ctx))
    if op == "not in":
        return lambda ctx: not _contains(right(ctx), left(ctx))
    if op == "==":
        return lambda ctx: bool(left(ctx) == right(ctx))
    if op == "!=":
        return lambda ctx: bool(left(ctx) != right(ctx))
    compare = _ORDER[op]

    def ordered(ctx: Context) -> bool:
        a, b = left(ctx), right(ctx)
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return False
        try:
            return compare(a, b)
        except TypeError:
            return False

    return ordered
