"""A small, safe expression language for segment rules (and, later, trigger rules).

Text is tokenized and parsed into a tree of frozen nodes, then type-checked
against the names the caller knows (feature names and their types). Nothing is
ever executed: the tree is either evaluated by :func:`evaluate` in Python or
compiled by a backend (``spark_jobs._segment_compiler`` builds a Spark Column).

>>> rule = compile_expression("purchase_count_30d >= 2 and not (score < 0.5)",
...                           names={"purchase_count_30d": "number", "score": "number"})
>>> rule.type, evaluate(rule.node, {"purchase_count_30d": 3, "score": 0.9})
('boolean', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clarion.expressions import nodes
from clarion.expressions._checker import ValueType, infer_type
from clarion.expressions._parser import parse
from clarion.expressions.evaluate import evaluate
from clarion.expressions.exceptions import (
    ExpressionError,
    ExpressionNameError,
    ExpressionSyntaxError,
    ExpressionTypeError,
)

__all__ = [
    "CheckedExpression",
    "ExpressionError",
    "ExpressionNameError",
    "ExpressionSyntaxError",
    "ExpressionTypeError",
    "ValueType",
    "compile_expression",
    "evaluate",
    "nodes",
    "parse",
]


@dataclass(frozen=True, slots=True)
class CheckedExpression:
    """A parsed, type-checked expression: its text, tree, result type and the names it reads."""

    text: str
    node: nodes.Node
    type: ValueType
    names: frozenset[str]


def _names(node: nodes.Node) -> set[str]:
    if isinstance(node, nodes.Name):
        return {node.name}
    found: set[str] = set()
    for child in ("operand", "left", "right"):
        sub = getattr(node, child, None)
        if sub is not None:
            found |= _names(sub)
    return found


def compile_expression(
    text: str, *, names: Mapping[str, ValueType], expect: ValueType | None = "boolean"
) -> CheckedExpression:
    """Parse and type-check ``text`` against ``names``.

    Args:
        text: the expression.
        names: every name it may use, with its type.
        expect: the type the whole expression must have (``None``: any).

    Raises:
        ExpressionSyntaxError, ExpressionNameError, ExpressionTypeError: with a position.
    """
    node = parse(text)
    result = infer_type(node, names=names, text=text)
    if expect is not None and result != expect:
        raise ExpressionTypeError(
            f"the expression gives a {result}, but a {expect} is needed", text=text, position=0
        )
    return CheckedExpression(text=text, node=node, type=result, names=frozenset(_names(node)))
