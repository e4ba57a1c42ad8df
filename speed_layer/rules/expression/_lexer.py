"""Tokens of the condition language, each with its position in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from speed_layer.exceptions import ExpressionError

__all__ = ["KEYWORDS", "MAX_LENGTH", "Token", "tokenize"]

MAX_LENGTH = 4000
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

TokenKind = Literal["number", "string", "name", "keyword", "op", "end"]

_SPEC = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|[<>+\-*/().,\[\]])
  | (?P<quote>['"])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    position: int
    value: object = None


def _string(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at ``start`` (the quote); return it and the end index."""
    quote, out, i = text[start], [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        elif ch == "\n":
            break
        else:
            out.append(ch)
            i += 1
    raise ExpressionError("unterminated string", position=start, text=text)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raise :class:`ExpressionError` at the first bad character."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"longer than {MAX_LENGTH} characters", position=MAX_LENGTH, text=text[:80]
        )
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        match = _SPEC.match(text, i)
        if match is None:
            raise ExpressionError(f"unexpected character {text[i]!r}", position=i, text=text)
        kind = match.lastgroup
        if kind == "quote":
            value, end = _string(text, i)
            tokens.append(Token("string", text[i:end], i, value))
            i = end
            continue
        lexeme = match.group()
        if kind == "number":
            number = float(lexeme) if any(c in lexeme for c in ".eE") else int(lexeme)
            tokens.append(Token("number", lexeme, i, number))
        elif kind == "name":
            tokens.append(Token("keyword" if lexeme in KEYWORDS else "name", lexeme, i))
        elif kind == "op":
            tokens.append(Token("op", lexeme, i))
        i = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens
