"""Recursive-descent parser: tokens -> :mod:`clarion.expressions.nodes` tree.

Grammar (lowest precedence first)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum
                      | ["not"] "in" "[" [constant ("," constant)*] "]"
                      | ["not"] "in" sum
                      | "is" ["not"] "null" ]
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | "true" | "false" | "null" | "(" expr ")"
                | NAME "(" [expr ("," expr)*] ")" | NAME
    constant   := ["-"] NUMBER | STRING | "true" | "false"

A NAME may be dotted (``event.properties.amount``); what it means is the caller's.
"""

from __future__ import annotations

from clarion.expressions._tokens import Token, tokenize
from clarion.expressions.exceptions import ExpressionSyntaxError
from clarion.expressions.nodes import (
    COMPARISONS,
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

__all__ = ["MAX_DEPTH", "parse"]

_MAX_NUMBER = 2**63 - 1  # what a 64-bit column holds
MAX_DEPTH = 64  # nesting beyond this is refused, never a RecursionError


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _error(self, message: str, token: Token | None = None) -> ExpressionSyntaxError:
        token = token or self.tok
        found = "end of expression" if token.kind == "end" else repr(token.text)
        return ExpressionSyntaxError(
            f"{message}, found {found}", text=self.text, position=token.pos
        )

    def _is(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def _take(self) -> Token:
        token = self.tok
        self.i += 1
        return token

    def _expect(self, kind: str, text: str, what: str) -> Token:
        if not self._is(kind, text):
            raise self._error(f"expected {what}")
        return self._take()

    def parse(self) -> Node:
        if self._is("end"):
            raise ExpressionSyntaxError("empty expression", text=self.text, position=0)
        node = self.expr()
        if not self._is("end"):
            raise self._error("expected an operator or the end of the expression")
        return node

    def _nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"expression nests deeper than {MAX_DEPTH} levels")

    def expr(self) -> Node:
        self._nested()
        node = self.and_expr()
        while self._is("keyword", "or"):
            op = self._take()
            node = Logical("or", node, self.and_expr(), op.pos)
        self.depth -= 1
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self._is("keyword", "and"):
            op = self._take()
            node = Logical("and", node, self.not_expr(), op.pos)
        return node

    def not_expr(self) -> Node:
        if self._is("keyword", "not"):
            op = self._take()
            self._nested()
            node = Not(self.not_expr(), op.pos)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.tok.kind == "op" and self.tok.text in COMPARISONS:
            op = self._take()
            return Comparison(op.text, left, self.sum(), op.pos)  # type: ignore[arg-type]
        if self._is("keyword", "not") or self._is("keyword", "in"):
            start = self.tok
            negated = self._take().text == "not"
            if negated:
                self._expect("keyword", "in", "'in' after 'not'")
            if self._is("op", "["):
                return InList(left, self.options(), negated, start.pos)
            return Contains(left, self.sum(), negated, start.pos)
        if self._is("keyword", "is"):
            start = self._take()
            negated = self._is("keyword", "not")
            if negated:
                self._take()
            self._expect("keyword", "null", "'null' after 'is'")
            return IsNull(left, negated, start.pos)
        return left

    def options(self) -> tuple[Constant, ...]:
        self._expect("op", "[", "'[' to start the list")
        items: list[Constant] = []
        if not self._is("op", "]"):
            items.append(self.constant())
            while self._is("op", ","):
                self._take()
                items.append(self.constant())
        self._expect("op", "]", "',' or ']' in the list")
        return tuple(items)

    def arguments(self) -> tuple[Node, ...]:
        self._expect("op", "(", "'('")
        args: list[Node] = []
        if not self._is("op", ")"):
            args.append(self.expr())
            while self._is("op", ","):
                self._take()
                args.append(self.expr())
        self._expect("op", ")", "',' or ')' after an argument")
        return tuple(args)

    def constant(self) -> Constant:
        start = self.tok
        sign = 1
        if self._is("op", "-"):
            self._take()
            sign = -1
            if not self._is("number"):
                raise self._error("expected a number after '-' in the list")
        node = self.atom(constant_only=True)
        assert isinstance(node, Constant)
        if sign < 0:
            assert isinstance(node.value, int | float)
            return Constant(-node.value, start.pos)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self._take()
            node = Arithmetic(op.text, node, self.product(), op.pos)  # type: ignore[arg-type]
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self._take()
            node = Arithmetic(op.text, node, self.unary(), op.pos)  # type: ignore[arg-type]
        return node

    def unary(self) -> Node:
        if self._is("op", "-"):
            op = self._take()
            self._nested()
            node = Negate(self.unary(), op.pos)
            self.depth -= 1
            return node
        return self.atom()

    def atom(self, *, constant_only: bool = False) -> Node:
        token = self.tok
        if token.kind == "number":
            self._take()
            is_float = any(c in token.text for c in ".eE")
            number = float(token.text) if is_float else int(token.text)
            if abs(number) > _MAX_NUMBER:
                raise self._error("number too large", token)
            return Constant(number, token.pos)
        if token.kind == "string":
            return Constant(self._take().text, token.pos)
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Constant(self._take().text == "true", token.pos)
        what = "a number, string or boolean" if constant_only else "a value, a name or '('"
        if constant_only:
            raise self._error(f"expected {what}")
        if token.kind == "keyword" and token.text == "null":
            self._take()
            return Constant(None, token.pos)
        if token.kind == "name":
            self._take()
            if self._is("op", "("):
                return Call(token.text, self.arguments(), token.pos)
            return Name(token.text, token.pos)
        if self._is("op", "("):
            self._take()
            node = self.expr()
            self._expect("op", ")", "')'")
            return node
        raise self._error(f"expected {what}")


def parse(text: str) -> Node:
    """Parse ``text`` into an (untyped) expression tree.

    Raises:
        ExpressionSyntaxError: the text is malformed; ``position`` says where.
    """
    return _Parser(text).parse()
