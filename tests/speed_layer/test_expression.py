"""Rule conditions in Clarion's one expression language (``clarion.expressions``): dotted
names of the speed layer, SQL null rules, errors naming their position, and never any
code run — whatever the text."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.expressions import CheckedExpression, compile_expression
from speed_layer.exceptions import ExpressionError


class Names:
    TYPES = {
        "event.amount": "number",
        "event.merchant": "string",
        "batch.mean": "number",
        "batch.vip": "boolean",
        "batch.affinity": "map",
        "rt.count": "number",
    }

    def resolve(self, path: tuple[str, ...]) -> str:
        try:
            return self.TYPES[".".join(path)]
        except KeyError:
            raise LookupError(f"unknown name {'.'.join(path)!r}") from None


NAMES = Names()
CTX = {
    "event": {"amount": 600, "merchant": "shop"},
    "batch": {"mean": 100, "vip": True, "affinity": {"toys": 0.5}},
    "rt": {"count": 3},
}


def parse(text: str, names: Any = NAMES) -> CheckedExpression:
    return compile_expression(text, names=names, expect=None)


def ev(text: str, ctx: dict[str, Any] = CTX) -> Any:
    return parse(text).evaluate(ctx)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("event.amount > 5 * batch.mean", True),
        ("event.amount > 6 * batch.mean", False),
        ("1 + 2 * 3 - 4 / 2", 5.0),
        ("-(1 + 2)", -3),
        ("not (rt.count >= 3)", False),
        ("rt.count >= 3 and batch.vip", True),
        ("false or rt.count == 3", True),
        ("event.merchant in ['shop', 'bar']", True),
        ("event.merchant not in ['shop']", False),
        ("'toys' in batch.affinity", True),
        ("'ho' in event.merchant", True),
        ("coalesce(batch.missing_is_null, 7)", 7),
        ("max(1, rt.count, 2) + min(4, 5) + abs(-1)", 8),
        ('event.merchant == "shop"', True),
        ("'it\\'s' != 'x'", True),
        ("1.5e2 == 150", True),
    ],
)
def test_evaluation(text: str, value: Any) -> None:
    names = Names()
    names.TYPES = {**Names.TYPES, "batch.missing_is_null": "number"}
    assert parse(text, names).evaluate(CTX) == value


def test_sql_null_rules_and_only_true_holds() -> None:
    empty: dict[str, Any] = {"event": {"amount": 600}, "batch": {}, "rt": {}}
    assert ev("event.amount > 5 * batch.mean", empty) is None  # comparing null is null
    assert parse("event.amount > 5 * batch.mean").holds(empty) is False
    assert ev("5 * batch.mean", empty) is None  # arithmetic with null is null
    assert ev("event.amount / (rt.count - rt.count)", {**CTX}) is None  # division by zero
    assert ev("not batch.vip", empty) is None  # unknown stays unknown: the rule does not fire
    assert parse("not batch.vip").holds(empty) is False
    assert ev("batch.vip or event.amount > 1", empty) is True  # Kleene logic
    assert ev("batch.mean is null", empty) is True
    assert parse("batch.vip").holds(empty) is False


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("event.amount >", 14, "expected a value"),
        ("event.amount > > 3", 15, "expected a value"),
        ("(1 + 2", 6, "expected ')'"),
        ("1 + $", 4, "unexpected character"),
        ("'open", 0, "unclosed string"),
        ("event.amunt > 3", 0, "unknown name 'event.amunt'"),
        ("event.merchant > 3", 15, "compares a string with a number"),
        ("event.merchant * 2", 15, "needs numbers"),
        ("rt.count and true", 0, "needs booleans"),
        ("batch.mean == null", 11, "write 'is null'"),
        ("exec('1')", 0, "unknown function 'exec'"),
        ("__import__('os')", 0, "unknown function '__import__'"),
        ("abs(1, 2)", 0, "takes 1 argument"),
        ("1 2", 2, "found '2'"),
        ("", 0, "empty expression"),
        ("3 in 4", 2, "needs a list, map or string"),
    ],
)
def test_errors_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert f"at position {position}" in str(info.value)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ExpressionError, match="nests deeper"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionError, match="nests deeper"):
        parse("not " * 500 + "true")
    with pytest.raises(ExpressionError, match="nests deeper"):
        parse("-" * 500 + "1")


_watching = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watching and event in (
        "exec",
        "compile",
        "import",
        "open",
        "os.system",
        "subprocess.Popen",
        "builtins.input",
    ):
        raise AssertionError(f"the expression language triggered {event}{args!r:.80}")


sys.addaudithook(_audit)


@contextmanager
def no_code_runs() -> Iterator[None]:
    global _watching
    _watching = True
    try:
        yield
    finally:
        _watching = False


tokens = st.sampled_from(
    [
        "event.amount",
        "batch.mean",
        "rt.count",
        "event.merchant",
        "(",
        ")",
        "[",
        "]",
        ",",
        "and",
        "or",
        "not",
        "in",
        "+",
        "-",
        "*",
        "/",
        ">",
        "==",
        "'x'",
        "1",
        "2.5",
        "null",
        "true",
        "abs(",
        "coalesce(",
        "__import__(",
        "exec(",
        "eval(",
        "open(",
        ".",
        "__class__",
        ";",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(tokens, max_size=14).map(" ".join)))
def test_any_text_parses_or_fails_with_a_position_and_never_runs_code(text: str) -> None:
    with no_code_runs():
        try:
            expr = parse(text)
        except ExpressionError as exc:
            assert 0 <= exc.position <= len(text)
            assert "at position" in str(exc)
            return
        expr.evaluate(CTX)
        expr.evaluate({})
