"""The syntax tree of a condition: plain frozen data, every node with its position."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Binary", "Call", "Constant", "ListOf", "Name", "Node", "Unary"]


@dataclass(frozen=True, slots=True)
class Constant:
    value: int | float | str | bool | None
    position: int


@dataclass(frozen=True, slots=True)
class Name:
    """A dotted name such as ``event.properties.amount`` or ``batch.purchase_count_7d``."""

    path: tuple[str, ...]
    position: int

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # arithmetic, comparison, "in", "not in", "and", "or"
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class ListOf:
    items: tuple[Node, ...]
    position: int


Node = Constant | Name | Unary | Binary | Call | ListOf
