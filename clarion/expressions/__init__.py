"""Clarion's one safe expression language: segment rules and trigger-rule conditions.

Text is tokenized and parsed into a tree of frozen nodes, then type-checked against the
names the caller knows (a mapping of feature names to types, or a :class:`NameCatalog`
for dotted names such as ``event.properties.amount``). Nothing is ever executed: the tree
is evaluated by closures in Python (:mod:`clarion.expressions.evaluate`; the speed
layer's rules) or compiled to a Spark Column (:mod:`clarion.expressions.spark`; segments),
both with SQL's three-valued logic. Every error names its position in the text.

>>> rule = compile_expression("purchase_count_30d >= 2 and not (score < 0.5)",
...                           names={"purchase_count_30d": "number", "score": "number"})
>>> rule.type, rule.evaluate({"purchase_count_30d": 3, "score": 0.9})
('boolean', True)
>>> rule.holds({"purchase_count_30d": 3, "score": None})  # null is not true
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clarion.expressions import nodes
from clarion.expressions._checker import FUNCTIONS, NameCatalog, ValueType, infer_type
from clarion.expressions._parser import parse
from clarion.expressions.evaluate import Evaluator, evaluate, python_evaluator
from clarion.expressions.exceptions import (
    ExpressionError,
    ExpressionNameError,
    ExpressionSyntaxError,
    ExpressionTypeError,
)

__all__ = [
    "FUNCTIONS",
    "CheckedExpression",
    "ExpressionError",
    "ExpressionNameError",
    "ExpressionSyntaxError",
    "ExpressionTypeError",
    "NameCatalog",
    "ValueType",
    "compile_expression",
    "evaluate",
    "nodes",
    "parse",
    "python_evaluator",
]


@dataclass(frozen=True, slots=True)
class CheckedExpression:
    """A parsed, type-checked expression: its text, tree, result type, the names it reads
    and its Python evaluator (built once)."""

    text: str
    node: nodes.Node
    type: ValueType
    names: frozenset[str]
    evaluator: Evaluator = field(repr=False, compare=False)

    def evaluate(self, row: Mapping[str, Any]) -> Any:
        """The value on ``row`` (name -> value; dotted names through nested mappings)."""
        return self.evaluator(row)

    def holds(self, row: Mapping[str, Any]) -> bool:
        """True only when the value is ``true`` (null, like false, does not hold)."""
        return self.evaluator(row) is True


def _names(node: nodes.Node) -> set[str]:
    if isinstance(node, nodes.Name):
        return {node.name}
    children: list[nodes.Node] = []
    if isinstance(node, nodes.Call):
        children = list(node.args)
    for child in ("operand", "left", "right", "item", "container"):
        sub = getattr(node, child, None)
        if sub is not None:
            children.append(sub)
    return set().union(*(_names(c) for c in children)) if children else set()


def compile_expression(
    text: str,
    *,
    names: Mapping[str, ValueType] | NameCatalog,
    expect: ValueType | None = "boolean",
) -> CheckedExpression:
    """Parse and type-check ``text`` against ``names``.

    Args:
        text: the expression.
        names: every name it may use with its type, or a catalog resolving dotted names.
        expect: the type the whole expression must have (``None``: any).

    Raises:
        ExpressionSyntaxError, ExpressionNameError, ExpressionTypeError: with a position.
    """
    if not isinstance(text, str):
        raise ExpressionSyntaxError(
            f"expected text, got {type(text).__name__}", text=str(text)[:80], position=0
        )
    node = parse(text)
    result = infer_type(node, names=names, text=text)
    if expect is not None and result != expect:
        raise ExpressionTypeError(
            f"the expression gives a {result}, but a {expect} is needed", text=text, position=0
        )
    return CheckedExpression(
        text=text,
        node=node,
        type=result,
        names=frozenset(_names(node)),
        evaluator=python_evaluator(node),
    )
