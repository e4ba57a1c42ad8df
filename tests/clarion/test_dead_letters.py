"""The dead-letter header convention shared by the speed layer and the delivery workers."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from clarion.dead_letters import (
    DETAIL_LIMIT,
    SOURCE_HEADERS,
    dead_letter_headers,
    parse_dead_letter_headers,
)


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int


def test_headers_name_the_reason_and_source_then_the_extras_in_order() -> None:
    headers = dead_letter_headers(
        source=_Record("events", 3, 41),
        reason="not_json",
        detail="Expecting value",
        extra=[("clarion.source.timestamp", "1700000000000")],
    )
    assert [name for name, _ in headers] == [*SOURCE_HEADERS, "clarion.source.timestamp"]
    assert headers[0] == ("clarion.error.reason", b"not_json")
    assert headers[3:] == [
        ("clarion.source.partition", b"3"),
        ("clarion.source.offset", b"41"),
        ("clarion.source.timestamp", b"1700000000000"),
    ]


def test_a_long_detail_is_cut_to_its_limit() -> None:
    headers = dead_letter_headers(source=_Record("t", 0, 0), reason="invalid", detail="x" * 5000)
    assert dict(headers)["clarion.error.detail"] == b"x" * DETAIL_LIMIT


@given(
    reason=st.text(min_size=1, max_size=20),
    detail=st.text(max_size=DETAIL_LIMIT),
    partition=st.integers(min_value=0, max_value=10_000),
    offset=st.integers(min_value=0, max_value=2**62),
)
def test_parsing_gives_back_what_was_written(
    reason: str, detail: str, partition: int, offset: int
) -> None:
    source = _Record("outbound.email", partition, offset)
    headers = dead_letter_headers(source=source, reason=reason, detail=detail)
    parsed = parse_dead_letter_headers([*headers, ("traceparent", b"00-abc")])
    assert parsed == {
        "clarion.error.reason": reason,
        "clarion.error.detail": detail,
        "clarion.source.topic": "outbound.email",
        "clarion.source.partition": str(partition),
        "clarion.source.offset": str(offset),
    }
