"""Tokenizer: text -> tokens with their offsets. Nothing is evaluated, only recognised."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from clarion.expressions.exceptions import ExpressionSyntaxError

__all__ = ["KEYWORDS", "MAX_LENGTH", "Token", "tokenize"]

MAX_LENGTH = 4_000
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
Kind = Literal["number", "string", "name", "keyword", "op", "end"]

_SPEC = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\\n]|\\["\\])*"|'(?:[^'\\\n]|\\['\\])*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: int


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token.

    Raises:
        ExpressionSyntaxError: a character that starts no token, an unclosed
            string, or a text longer than :data:`MAX_LENGTH`.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"expression is longer than {MAX_LENGTH} characters", text=text, position=MAX_LENGTH
        )
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _SPEC.match(text, pos)
        if match is None:
            char = text[pos]
            what = "unclosed string" if char in "\"'" else f"unexpected character {char!r}"
            raise ExpressionSyntaxError(what, text=text, position=pos)
        kind = match.lastgroup
        raw = match.group()
        if kind == "name" and raw in KEYWORDS:
            tokens.append(Token("keyword", raw, pos))
        elif kind == "string":
            tokens.append(Token("string", _unquote(raw), pos))
        elif kind in ("number", "name", "op"):
            tokens.append(Token(kind, raw, pos))  # type: ignore[arg-type]
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens
