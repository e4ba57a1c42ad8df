"""Compile a checked expression tree (``clarion.expressions``) into a Spark Column.

Semantics match :func:`clarion.expressions.evaluate`: SQL three-valued logic,
and arithmetic that gives null instead of failing (``try_divide`` on a zero
divisor, ``try_add``/``try_multiply`` on overflow under ANSI mode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
)

if TYPE_CHECKING:
    from pyspark.sql import Column

__all__ = ["to_column"]


def to_column(node: Node) -> Column:
    """The Spark Column computing ``node`` (names become columns of the same name)."""
    from pyspark.sql import functions as F

    match node:
        case Constant(value=value):
            return F.lit(value)
        case Name(name=name):
            return F.col(name)
        case Negate(operand=operand):
            return F.try_subtract(F.lit(0), to_column(operand))
        case Not(operand=operand):
            return ~to_column(operand)
        case Logical(op=op, left=left, right=right):
            a, b = to_column(left), to_column(right)
            return (a & b) if op == "and" else (a | b)
        case Arithmetic(op=op, left=left, right=right):
            a, b = to_column(left), to_column(right)
            apply = {
                "+": F.try_add,
                "-": F.try_subtract,
                "*": F.try_multiply,
                "/": F.try_divide,
            }[op]
            return apply(a, b)
        case Comparison(op=op, left=left, right=right):
            a, b = to_column(left), to_column(right)
            return {
                "==": a == b,
                "!=": a != b,
                "<": a < b,
                "<=": a <= b,
                ">": a > b,
                ">=": a >= b,
            }[op]
        case InList(operand=operand, options=options, negated=negated):
            found = to_column(operand).isin(*[o.value for o in options])
            return ~found if negated else found
        case IsNull(operand=operand, negated=negated):
            column = to_column(operand)
            return column.isNotNull() if negated else column.isNull()
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover
