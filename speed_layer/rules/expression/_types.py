"""Static checks of a condition: every name known, every operator given what it needs.

Types are coarse (number, string, bool, map, list) plus ``null`` and ``any``; a name
may be missing at run time (no batch view yet), which evaluation treats as null.
"""

from __future__ import annotations

from typing import Literal, Protocol

from speed_layer.exceptions import ExpressionError
from speed_layer.rules.expression._ast import Binary, Call, Constant, Name, Node, Unary

__all__ = ["FUNCTIONS", "NameCatalog", "ValueType", "check"]

ValueType = Literal["number", "string", "bool", "map", "list", "null", "any"]

# name -> (min args, max args or None for any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "coalesce": (1, None),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
}
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
_ORDERING = frozenset({"<", "<=", ">", ">="})
_LOOSE = frozenset({"any", "null"})


class NameCatalog(Protocol):
    """Says what a dotted name means; raises ``LookupError`` with a readable message."""

    def resolve(self, path: tuple[str, ...]) -> ValueType: ...


def _constant_type(value: object) -> ValueType:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string"


def check(node: Node, catalog: NameCatalog, text: str) -> ValueType:
    """The type of ``node``; raise :class:`ExpressionError` at the first misuse."""

    def fail(message: str, position: int) -> ExpressionError:
        return ExpressionError(message, position=position, text=text)

    def need(kind: ValueType, got: ValueType, what: str, position: int) -> None:
        if got not in _LOOSE and got != kind:
            raise fail(f"{what} needs a {kind}, got a {got}", position)

    def visit(n: Node) -> ValueType:
        if isinstance(n, Constant):
            return _constant_type(n.value)
        if isinstance(n, Name):
            try:
                return catalog.resolve(n.path)
            except LookupError as exc:
                raise fail(str(exc.args[0] if exc.args else exc), n.position) from None
        if isinstance(n, Unary):
            inner = visit(n.operand)
            if n.op == "-":
                need("number", inner, "'-'", n.position)
                return "number"
            need("bool", inner, "'not'", n.position)
            return "bool"
        if isinstance(n, Binary):
            return binary(n)
        if isinstance(n, Call):
            return call(n)
        for item in n.items:
            visit(item)
        return "list"

    def binary(n: Binary) -> ValueType:
        left, right = visit(n.left), visit(n.right)
        if n.op in _ARITHMETIC:
            need("number", left, f"{n.op!r}", n.position)
            need("number", right, f"{n.op!r}", n.position)
            return "number"
        if n.op in ("and", "or"):
            need("bool", left, f"{n.op!r}", n.position)
            need("bool", right, f"{n.op!r}", n.position)
            return "bool"
        if n.op in ("in", "not in"):
            if right not in _LOOSE and right not in ("list", "map", "string"):
                raise fail(
                    f"{n.op!r} needs a list, map or string on the right, got a {right}", n.position
                )
            return "bool"
        concrete = left not in _LOOSE and right not in _LOOSE
        if concrete and left != right:
            raise fail(f"{n.op!r} compares a {left} with a {right}", n.position)
        if n.op in _ORDERING:
            for side in (left, right):
                if side not in _LOOSE and side not in ("number", "string"):
                    raise fail(f"{n.op!r} orders numbers or strings, not a {side}", n.position)
        return "bool"

    def call(n: Call) -> ValueType:
        if n.function not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise fail(f"unknown function {n.function!r}; known: {known}", n.position)
        low, high = FUNCTIONS[n.function]
        if len(n.args) < low or (high is not None and len(n.args) > high):
            span = str(low) if high == low else f"at least {low}"
            raise fail(f"{n.function}() takes {span} argument(s), got {len(n.args)}", n.position)
        types = [visit(arg) for arg in n.args]
        if n.function == "coalesce":
            concrete = {t for t in types if t not in _LOOSE}
            if len(concrete) > 1:
                raise fail(f"coalesce() mixes {' and '.join(sorted(concrete))}", n.position)
            return concrete.pop() if concrete else "any"
        for arg, kind in zip(n.args, types, strict=True):
            need("number", kind, f"{n.function}()", getattr(arg, "position", n.position))
        return "number"

    return visit(node)
