"""Compile a checked expression tree into a Spark Column (segments; pyspark imported lazily).

Semantics match :mod:`clarion.expressions.evaluate`: SQL three-valued logic, and
arithmetic that gives null instead of failing (``try_divide`` on a zero divisor,
``try_add``/``try_multiply`` on overflow under ANSI mode). Names become columns of the
same name; ``x in <string>`` is a substring test (segments have no map or list columns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from pyspark.sql import Column

__all__ = ["to_column"]


def to_column(node: Node) -> Column:
    """The Spark Column computing ``node``."""
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
            apply = {"+": F.try_add, "-": F.try_subtract, "*": F.try_multiply, "/": F.try_divide}
            return apply[op](a, b)
        case Comparison(op=op, left=left, right=right):
            a, b = to_column(left), to_column(right)
            compare = {
                "==": a == b,
                "!=": a != b,
                "<": a < b,
                "<=": a <= b,
                ">": a > b,
                ">=": a >= b,
            }
            return compare[op]
        case InList(operand=operand, options=options, negated=negated):
            found = to_column(operand).isin(*[o.value for o in options])
            return ~found if negated else found
        case Contains(item=item, container=container, negated=negated):
            inside = to_column(container).contains(to_column(item))
            return ~inside if negated else inside
        case IsNull(operand=operand, negated=negated):
            column = to_column(operand)
            return column.isNotNull() if negated else column.isNull()
        case Call(function=function, args=args):
            columns = [to_column(a) for a in args]
            if function == "coalesce":
                return F.coalesce(*columns)
            if function == "abs":
                return F.abs(columns[0])
            if len(columns) == 1:
                return columns[0]
            return F.least(*columns) if function == "min" else F.greatest(*columns)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover
