"""The segment expression language: grammar, types, errors with positions, evaluation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.expressions import (
    ExpressionError,
    ExpressionNameError,
    ExpressionSyntaxError,
    ExpressionTypeError,
    compile_expression,
    evaluate,
    parse,
)

NAMES = {"spend": "number", "visits": "number", "reachable_email": "boolean", "score": "number"}


def _check(text: str):  # type: ignore[no-untyped-def]
    return compile_expression(text, names=NAMES)


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("spend > 10", {"spend": 11}, True),
        ("spend > 10", {"spend": None}, None),
        ("spend * 2 + 1 >= 21", {"spend": 10}, True),
        ("-spend < 0", {"spend": 1}, True),
        ("visits / 0 is null", {"visits": 3}, True),
        ("visits in [1, 2, 3]", {"visits": 2}, True),
        ("visits not in [1, 2, 3]", {"visits": 2}, False),
        ("spend is not null and reachable_email", {"spend": 0, "reachable_email": True}, True),
        ("spend > 1 or score > 0.5", {"spend": None, "score": 0.9}, True),
        ("spend > 1 and score > 0.5", {"spend": None, "score": 0.1}, False),
        ("not (spend > 1)", {"spend": None}, None),
        ("reachable_email == true", {"reachable_email": False}, False),
        ("1 + 2 * 3 == 7", {}, True),
        ("(1 + 2) * 3 == 9", {}, True),
        ("not spend > 1 and visits > 1", {"spend": 0, "visits": 2}, True),
    ],
)
def test_evaluates_with_sql_null_semantics(text: str, row: dict, expected: object) -> None:
    assert evaluate(_check(text).node, row) is expected


@pytest.mark.parametrize(
    ("text", "error", "position"),
    [
        ("spend >", ExpressionSyntaxError, 7),
        ("spend > 1 and", ExpressionSyntaxError, 13),
        ("(spend > 1", ExpressionSyntaxError, 10),
        ("spend >> 1", ExpressionSyntaxError, 7),
        ("spend > 1; drop table x", ExpressionSyntaxError, 9),
        ("__import__('os')", ExpressionNameError, 0),  # only the known functions exist
        ("'unclosed", ExpressionSyntaxError, 0),
        ("visits in [1, spend]", ExpressionSyntaxError, 14),
        ("spent > 1", ExpressionNameError, 0),
        ("spend > 'ten'", ExpressionTypeError, 6),
        ("spend + reachable_email > 1", ExpressionTypeError, 6),
        ("not spend", ExpressionTypeError, 0),
        ("spend == null", ExpressionTypeError, 6),
        ("visits in [1, 'two']", ExpressionTypeError, 14),
        ("reachable_email < true", ExpressionTypeError, 16),
        ("spend + 1", ExpressionTypeError, 0),
        ("99999999999999999999 > spend", ExpressionSyntaxError, 0),
    ],
)
def test_errors_name_the_position(text: str, error: type, position: int) -> None:
    with pytest.raises(error) as caught:
        _check(text)
    assert caught.value.position == position
    assert f"at position {position}" in str(caught.value)


class Catalog:
    """Dotted names, as the speed layer's rules use them."""

    TYPES = {"event.amount": "number", "event.merchant": "string", "batch.tags": "map"}

    def resolve(self, path: tuple[str, ...]) -> str:
        try:
            return self.TYPES[".".join(path)]
        except KeyError:
            raise LookupError(f"no such name {'.'.join(path)!r}") from None


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("event.amount > 5", {"event": {"amount": 6}}, True),
        ("event.amount > 5", {"event": {}}, None),
        ("event.amount > 5", {}, None),
        ("coalesce(event.amount, 1) * 2 == 2", {}, True),
        ("max(event.amount, 3) == 3", {}, True),  # min/max skip nulls, like least/greatest
        ("abs(event.amount) > 1", {"event": {"amount": -2}}, True),
        ("'vip' in batch.tags", {"batch": {"tags": {"vip": 1.0}}}, True),
        ("'vip' not in batch.tags", {"batch": {}}, None),
        ("'sh' in event.merchant", {"event": {"merchant": "shop"}}, True),
        ("event.merchant in ['shop', 'bar']", {"event": {"merchant": "bar"}}, True),
    ],
)
def test_dotted_names_functions_and_containment(text: str, row: dict, expected: object) -> None:
    checked = compile_expression(text, names=Catalog(), expect="boolean")
    assert checked.evaluate(row) is expected
    assert checked.holds(row) is (expected is True)


@pytest.mark.parametrize(
    ("text", "error", "position", "fragment"),
    [
        ("event.amont > 1", ExpressionNameError, 0, "no such name 'event.amont'"),
        ("exec('1')", ExpressionNameError, 0, "unknown function 'exec'"),
        ("abs(1, 2) > 0", ExpressionTypeError, 0, "takes 1 argument"),
        ("3 in event.amount", ExpressionTypeError, 2, "needs a list, map or string"),
        ("", ExpressionSyntaxError, 0, "empty expression"),
        ("event . amount > 1", ExpressionSyntaxError, 6, "unexpected character '.'"),
    ],
)
def test_catalog_errors_name_the_position(
    text: str, error: type, position: int, fragment: str
) -> None:
    with pytest.raises(error) as caught:
        compile_expression(text, names=Catalog(), expect=None)
    assert caught.value.position == position
    assert fragment in str(caught.value)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionSyntaxError, match="nests deeper"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionSyntaxError, match="nests deeper"):
        parse("not " * 500 + "true")


def test_names_read_are_reported() -> None:
    assert _check("spend > 1 or score is null").names == {"spend", "score"}


_TOKENS = st.sampled_from(
    ["spend", "visits", "score", "reachable_email", "unknown", "1", "2.5", "'x'", "true",
     "null", "and", "or", "not", "in", "is", "(", ")", "[", "]", ",", "+", "-", "*", "/",
     "==", "!=", "<", ">=", " "]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_random_text_parses_or_fails_with_a_position(text: str) -> None:
    try:
        compile_expression(text, names=NAMES, expect=None)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, max_size=25).map(" ".join))
def test_token_soup_parses_or_fails_with_a_position(text: str) -> None:
    try:
        checked = compile_expression(text, names=NAMES, expect=None)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        evaluate(checked.node, {"spend": 1.0, "visits": 0, "score": None})


def _number(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(["spend", "visits", "score", "0", "3", "1.5"])
    if depth == 0:
        return leaf
    sub = _number(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
    )


def _boolean(depth: int) -> st.SearchStrategy[str]:
    cmp = st.tuples(_number(2), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), _number(2))
    leaf = st.one_of(
        cmp.map(" ".join),
        st.just("reachable_email"),
        _number(1).map(lambda n: f"{n} is null"),
        _number(1).map(lambda n: f"{n} in [0, 3]"),
    )
    if depth == 0:
        return leaf
    sub = _boolean(depth - 1)
    return st.one_of(
        leaf,
        sub.map(lambda s: f"not ({s})"),
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
    )


ROWS = st.fixed_dictionaries(
    {
        "spend": st.none() | st.floats(-1e6, 1e6),
        "visits": st.none() | st.integers(-5, 5),
        "score": st.none() | st.floats(0, 1),
        "reachable_email": st.none() | st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(_boolean(2), ROWS)
def test_well_typed_expressions_always_check_and_evaluate(text: str, row: dict) -> None:
    checked = _check(text)
    assert checked.type == "boolean"
    assert evaluate(checked.node, row) in (True, False, None)
