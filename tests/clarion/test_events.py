"""The event contract's wire form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clarion.events import EVENT_TYPES, REQUIRED_PROPERTIES, Event, format_ts


def test_every_event_type_declares_its_properties() -> None:
    assert set(REQUIRED_PROPERTIES) == set(EVENT_TYPES)


def test_timestamps_are_utc_with_millis_and_z() -> None:
    moment = datetime(2026, 11, 27, 21, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_ts(moment) == "2026-11-27T19:00:00.123Z"


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_ts(datetime(2026, 1, 1))


@given(
    user=st.text(min_size=1, max_size=20),
    kind=st.sampled_from(EVENT_TYPES),
    amount=st.floats(allow_nan=False, allow_infinity=False),
    moment=st.datetimes(timezones=st.just(UTC)),
)
def test_json_round_trips(user: str, kind: str, amount: float, moment: datetime) -> None:
    event = Event(event_id="e1", user_id=user, type=kind, ts=moment, properties={"amount": amount})
    decoded = json.loads(event.to_json())
    assert decoded["schema_version"] == 1
    assert decoded["user_id"] == user and decoded["type"] == kind
    assert decoded["properties"]["amount"] == amount
    parsed = datetime.fromisoformat(decoded["ts"].replace("Z", "+00:00"))
    assert abs(parsed - moment) < timedelta(milliseconds=1)
    assert event.key() == user.encode()
