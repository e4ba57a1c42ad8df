"""The expression tree: frozen nodes, each with the offset where it starts in the text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral

__all__ = [
    "ARITHMETIC",
    "COMPARISONS",
    "Arithmetic",
    "Call",
    "Comparison",
    "Constant",
    "Contains",
    "InList",
    "IsNull",
    "Logical",
    "Name",
    "Negate",
    "Node",
    "Not",
    "Value",
]

Value = bool | int | float | str | None
ArithmeticOp = TypingLiteral["+", "-", "*", "/"]
ComparisonOp = TypingLiteral["==", "!=", "<", "<=", ">", ">="]
ARITHMETIC: tuple[ArithmeticOp, ...] = ("+", "-", "*", "/")
COMPARISONS: tuple[ComparisonOp, ...] = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class Constant:
    """A number, string, boolean or ``null`` written in the text."""

    value: Value
    pos: int


@dataclass(frozen=True, slots=True)
class Name:
    """A name: a feature (``spend``, ``score``) or a dotted path (``event.properties.amount``,
    ``batch.purchase_count_7d``) that the evaluator follows through nested mappings."""

    name: str
    pos: int

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


@dataclass(frozen=True, slots=True)
class Negate:
    """``-operand``."""

    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left op right`` with op one of ``+ - * /`` (division by zero gives null)."""

    op: ArithmeticOp
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right`` with op one of ``== != < <= > >=``."""

    op: ComparisonOp
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Logical:
    """``left and right`` / ``left or right`` (three-valued, like SQL)."""

    op: TypingLiteral["and", "or"]
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class InList:
    """``operand [not] in [c1, c2, ...]`` over constants."""

    operand: Node
    options: tuple[Constant, ...]
    negated: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Contains:
    """``item [not] in container`` where the container is a value: a list, a map (its
    keys) or a string (a substring)."""

    item: Node
    container: Node
    negated: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    """``function(arg, ...)``, one of :data:`clarion.expressions.FUNCTIONS`."""

    function: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand is [not] null``."""

    operand: Node
    negated: bool
    pos: int


Node = (
    Constant
    | Name
    | Negate
    | Not
    | Arithmetic
    | Comparison
    | Logical
    | InList
    | Contains
    | IsNull
    | Call
)
