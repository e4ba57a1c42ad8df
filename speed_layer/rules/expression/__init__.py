"""The safe condition language of trigger rules: parsed, type-checked against the names a
rule may read, then evaluated by a tree of closures — never by ``eval`` or ``exec``.

>>> from speed_layer.rules.expression import Expression
>>> class Names:
...     def resolve(self, path):
...         return {"event.amount": "number", "batch.mean": "number"}[".".join(path)]
>>> e = Expression.parse("event.amount > 5 * coalesce(batch.mean, 0)", Names())
>>> e.evaluate({"event": {"amount": 600}, "batch": {"mean": 100}})
True
>>> e.evaluate({"event": {"amount": 600}, "batch": {}})
True
>>> sorted(e.names)
['batch.mean', 'event.amount']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from speed_layer.exceptions import ExpressionError
from speed_layer.rules.expression._ast import Binary, Call, ListOf, Name, Node, Unary
from speed_layer.rules.expression._compile import Evaluator, compile_tree
from speed_layer.rules.expression._parser import parse
from speed_layer.rules.expression._types import FUNCTIONS, NameCatalog, ValueType, check

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "NameCatalog", "ValueType"]


def _names(node: Node) -> set[tuple[str, ...]]:
    if isinstance(node, Name):
        return {node.path}
    if isinstance(node, Unary):
        return _names(node.operand)
    if isinstance(node, Binary):
        return _names(node.left) | _names(node.right)
    if isinstance(node, Call | ListOf):
        children = node.args if isinstance(node, Call) else node.items
        return set().union(*(_names(c) for c in children)) if children else set()
    return set()


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression: its text, result type, the names it reads."""

    text: str
    type: ValueType
    paths: frozenset[tuple[str, ...]]
    _evaluate: Evaluator = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, catalog: NameCatalog) -> Expression:
        """Parse and check ``text``; raise :class:`ExpressionError` naming the position."""
        if not isinstance(text, str):
            raise ExpressionError(
                f"expected text, got {type(text).__name__}", position=0, text=str(text)[:80]
            )
        tree = parse(text)
        kind = check(tree, catalog, text)
        return cls(text, kind, frozenset(_names(tree)), compile_tree(tree))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(".".join(p) for p in self.paths)

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        return self._evaluate(context)

    def holds(self, context: Mapping[str, Any]) -> bool:
        """True only if the expression evaluates to ``true`` (null and errors are false)."""
        return self._evaluate(context) is True
