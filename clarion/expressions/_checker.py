"""Type checking: every name and function known, every operator given operands it accepts.

Types are coarse: ``number``, ``string``, ``boolean``, ``map``, ``list``, the ``null``
literal, and ``any`` (a name whose type only the data knows, or ``coalesce`` of nulls),
which every operator accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from clarion.expressions.exceptions import ExpressionNameError, ExpressionTypeError
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

__all__ = ["FUNCTIONS", "NameCatalog", "ValueType", "infer_type"]

ValueType = Literal["number", "string", "boolean", "map", "list", "null", "any"]

# name -> (fewest, most arguments; None: any number)
FUNCTIONS: Mapping[str, tuple[int, int | None]] = {
    "coalesce": (1, None),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
}


class NameCatalog(Protocol):
    """Says what a (dotted) name means; raises ``LookupError`` with a readable message."""

    def resolve(self, path: tuple[str, ...]) -> ValueType: ...


def constant_type(value: object) -> ValueType:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _resolve(names: Mapping[str, ValueType] | NameCatalog, name: Name) -> ValueType:
    if isinstance(names, Mapping):
        if name.name in names:
            return names[name.name]
        known = ", ".join(sorted(names)[:8])
        raise LookupError(f"unknown name {name.name!r} (known names include: {known}, ...)")
    return names.resolve(name.path)


def infer_type(node: Node, *, names: Mapping[str, ValueType] | NameCatalog, text: str) -> ValueType:
    """The type ``node`` evaluates to (a null result aside).

    Raises:
        ExpressionNameError: a name or function that is not known.
        ExpressionTypeError: an operator or function given operands it does not accept.
    """

    def fail(message: str, at: Node) -> ExpressionTypeError:
        return ExpressionTypeError(message, text=text, position=at.pos)

    def is_(kind: ValueType, got: ValueType) -> bool:
        return got in (kind, "any")

    def walk(n: Node) -> ValueType:
        match n:
            case Constant(value=value):
                return constant_type(value)
            case Name():
                try:
                    return _resolve(names, n)
                except LookupError as exc:
                    message = str(exc.args[0]) if exc.args else str(exc)
                    raise ExpressionNameError(message, text=text, position=n.pos) from None
            case Negate(operand=operand):
                if not is_("number", walk(operand)):
                    raise fail("'-' needs a number", n)
                return "number"
            case Not(operand=operand):
                if not is_("boolean", walk(operand)):
                    raise fail("'not' needs a boolean (a comparison, say)", n)
                return "boolean"
            case Logical(op=op, left=left, right=right):
                for side in (left, right):
                    if not is_("boolean", walk(side)):
                        raise fail(f"'{op}' needs booleans on both sides", side)
                return "boolean"
            case Arithmetic(op=op, left=left, right=right):
                if not (is_("number", walk(left)) and is_("number", walk(right))):
                    raise fail(f"'{op}' needs numbers on both sides", n)
                return "number"
            case Comparison():
                return comparison(n)
            case InList(operand=operand, options=options):
                wanted = walk(operand)
                if wanted == "null":
                    raise fail("'in' needs a value, not null", n)
                if not options:
                    raise fail("'in' needs at least one item in the list", n)
                for option in options:
                    if wanted != "any" and constant_type(option.value) != wanted:
                        raise fail(
                            f"list item {option.value!r} is not a {wanted} like the left side",
                            option,
                        )
                return "boolean"
            case Contains(item=item, container=container, negated=negated):
                inside, kind = walk(item), walk(container)
                word = "not in" if negated else "in"
                if kind not in ("list", "map", "string", "any"):
                    raise fail(
                        f"'{word}' needs a list, map or string on the right, got a {kind}", n
                    )
                if kind == "string" and not is_("string", inside):
                    raise fail(f"'{word}' looks for a string in a string, not a {inside}", n)
                return "boolean"
            case IsNull(operand=operand):
                walk(operand)
                return "boolean"
            case Call():
                return call(n)
        raise AssertionError(f"unknown node {n!r}")  # pragma: no cover

    def comparison(n: Comparison) -> ValueType:
        lt, rt = walk(n.left), walk(n.right)
        if "null" in (lt, rt):
            raise fail(f"'{n.op}' with null is never true; write 'is null'", n)
        if "any" not in (lt, rt) and lt != rt:
            raise fail(f"'{n.op}' compares a {lt} with a {rt}", n)
        if n.op not in ("==", "!="):
            for side in (lt, rt):
                if side == "boolean":
                    raise fail(f"booleans compare only with == or !=, not '{n.op}'", n)
                if side in ("map", "list"):
                    raise fail(f"'{n.op}' orders numbers or strings, not a {side}", n)
        return "boolean"

    def call(n: Call) -> ValueType:
        if n.function not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionNameError(
                f"unknown function {n.function!r}; known: {known}", text=text, position=n.pos
            )
        low, high = FUNCTIONS[n.function]
        if len(n.args) < low or (high is not None and len(n.args) > high):
            span = str(low) if high == low else f"at least {low}"
            raise fail(f"{n.function}() takes {span} argument(s), got {len(n.args)}", n)
        types = [walk(arg) for arg in n.args]
        if n.function == "coalesce":
            concrete = {t for t in types if t not in ("any", "null")}
            if len(concrete) > 1:
                raise fail(f"coalesce() mixes {' and '.join(sorted(concrete))}", n)
            return concrete.pop() if concrete else "any"
        for arg, kind in zip(n.args, types, strict=True):
            if not is_("number", kind) and kind != "null":
                raise fail(f"{n.function}() needs numbers, got a {kind}", arg)
        return "number"

    return walk(node)
