"""A recursive-descent parser from tokens to the syntax tree; depth-limited, never evaluates.

Grammar (lowest precedence first)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("=="|"!="|"<"|"<="|">"|">="|"in"|"not" "in") sum]
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | "null" | "(" expr ")"
                | "[" [expr ("," expr)*] "]" | NAME "(" [expr ("," expr)*] ")"
                | NAME ("." NAME)*
"""

from __future__ import annotations

from speed_layer.exceptions import ExpressionError
from speed_layer.rules.expression._ast import Binary, Call, Constant, ListOf, Name, Node, Unary
from speed_layer.rules.expression._lexer import Token, tokenize

__all__ = ["MAX_DEPTH", "parse"]

MAX_DEPTH = 40
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_LITERALS = {"true": True, "false": False, "null": None}


def parse(text: str) -> Node:
    """Parse ``text`` into a tree; raise :class:`ExpressionError` naming the position."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty expression", self.peek())
        node = self.expr()
        if self.peek().kind != "end":
            raise self.error(f"unexpected {self.peek().text!r}", self.peek())
        return node

    # -- token helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind in ("op", "keyword") and token.text in texts

    def expect(self, text: str) -> Token:
        if not self.at(text):
            found = self.peek().text or "the end"
            raise self.error(f"expected {text!r}, found {found!r}", self.peek())
        return self.take()

    def error(self, message: str, token: Token) -> ExpressionError:
        return ExpressionError(message, position=token.position, text=self.text)

    # -- grammar
    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels", self.peek())
        node = self.and_expr()
        while self.at("or"):
            op = self.take()
            node = Binary("or", node, self.and_expr(), op.position)
        self.depth -= 1
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("and"):
            op = self.take()
            node = Binary("and", node, self.not_expr(), op.position)
        return node

    def not_expr(self) -> Node:
        if self.at("not"):
            op = self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nested deeper than {MAX_DEPTH} levels", op)
            node = Unary("not", self.not_expr(), op.position)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        token = self.peek()
        if token.kind == "op" and token.text in _COMPARISONS:
            self.take()
            return Binary(token.text, left, self.sum(), token.position)
        if self.at("in"):
            self.take()
            return Binary("in", left, self.sum(), token.position)
        if self.at("not") and self.peek(1).kind == "keyword" and self.peek(1).text == "in":
            self.take(), self.take()
            return Binary("not in", left, self.sum(), token.position)
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-"):
            op = self.take()
            node = Binary(op.text, node, self.product(), op.position)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            op = self.take()
            node = Binary(op.text, node, self.unary(), op.position)
        return node

    def unary(self) -> Node:
        if self.at("-"):
            op = self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nested deeper than {MAX_DEPTH} levels", op)
            node = Unary("-", self.unary(), op.position)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind in ("number", "string"):
            return Constant(token.value, token.position)  # type: ignore[arg-type]
        if token.kind == "keyword" and token.text in _LITERALS:
            return Constant(_LITERALS[token.text], token.position)
        if token.kind == "op" and token.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if token.kind == "op" and token.text == "[":
            return ListOf(self.arguments("]"), token.position)
        if token.kind == "name":
            if self.at("("):
                self.take()
                return Call(token.text, self.arguments(")"), token.position)
            path = [token.text]
            while self.at("."):
                self.take()
                part = self.take()
                if part.kind not in ("name", "keyword"):
                    raise self.error("expected a name after '.'", part)
                path.append(part.text)
            return Name(tuple(path), token.position)
        found = token.text or "the end"
        raise self.error(f"expected a value, found {found!r}", token)

    def arguments(self, closing: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if not self.at(closing):
            items.append(self.expr())
            while self.at(","):
                self.take()
                items.append(self.expr())
        self.expect(closing)
        return tuple(items)
