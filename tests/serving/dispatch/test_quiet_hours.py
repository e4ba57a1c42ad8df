"""Quiet hours and timing: local time, windows across midnight, DST nights, send_after."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serving.dispatch import QuietHours
from serving.dispatch.checks import earliest_delivery, next_allowed, within_quiet_hours

from .builders import T0, intent, recipient

NY = ZoneInfo("America/New_York")
NIGHT = QuietHours(start=time(22), end=time(8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def window(start: str, end: str) -> QuietHours:
    return QuietHours.model_validate({"start": start, "end": end})


@pytest.mark.parametrize(
    ("local", "expected_local"),
    [
        (datetime(2026, 6, 10, 23, 0, tzinfo=NY), datetime(2026, 6, 11, 8, 0, tzinfo=NY)),
        (datetime(2026, 6, 10, 22, 0, tzinfo=NY), datetime(2026, 6, 11, 8, 0, tzinfo=NY)),
        (datetime(2026, 6, 11, 3, 0, tzinfo=NY), datetime(2026, 6, 11, 8, 0, tzinfo=NY)),
        (datetime(2026, 6, 11, 7, 59, 59, 999999, tzinfo=NY), datetime(2026, 6, 11, 8, tzinfo=NY)),
    ],
)
def test_a_night_window_ends_at_local_eight(local: datetime, expected_local: datetime) -> None:
    assert next_allowed(local, zone=NY, window=NIGHT) == expected_local.astimezone(UTC)


def test_an_allowed_instant_is_returned_unchanged() -> None:
    at = datetime(2026, 6, 11, 8, 0, tzinfo=NY)
    assert not within_quiet_hours(at, zone=NY, window=NIGHT)
    assert next_allowed(at, zone=NY, window=NIGHT) == at


def test_a_daytime_window_that_does_not_cross_midnight() -> None:
    lunch = window("12:30", "13:30")
    at = datetime(2026, 6, 10, 13, 0, tzinfo=NY)
    assert next_allowed(at, zone=NY, window=lunch) == utc(2026, 6, 10, 17, 30)


def test_the_same_instant_is_quiet_in_one_zone_and_not_in_another() -> None:
    assert within_quiet_hours(T0, zone=ZoneInfo("Asia/Tokyo"), window=NIGHT)  # 00:00
    assert not within_quiet_hours(T0, zone=NY, window=NIGHT)  # 11:00


# -- DST nights in New York: spring forward 2026-03-08 02:00 -> 03:00, fall back
# -- 2026-11-01 02:00 -> 01:00.


def test_spring_forward_night_ends_at_eight_edt() -> None:
    at = datetime(2026, 3, 7, 23, 0, tzinfo=NY)  # EST, UTC-5
    assert next_allowed(at, zone=NY, window=NIGHT) == utc(2026, 3, 8, 12, 0)  # 08:00 EDT


def test_a_window_ending_inside_the_spring_forward_gap_ends_at_the_jump() -> None:
    # 02:30 never shows on the clock that night; 01:59:59 EST is followed by 03:00 EDT.
    at = datetime(2026, 3, 7, 23, 0, tzinfo=NY)
    assert next_allowed(at, zone=NY, window=window("22:00", "02:30")) == utc(2026, 3, 8, 7, 0)


def test_fall_back_night_ends_at_eight_est() -> None:
    at = datetime(2026, 10, 31, 23, 0, tzinfo=NY)  # EDT, UTC-4
    assert next_allowed(at, zone=NY, window=NIGHT) == utc(2026, 11, 1, 13, 0)  # 08:00 EST


def test_an_end_that_happens_twice_first_pass() -> None:
    at = utc(2026, 11, 1, 5, 10)  # 01:10 EDT, first pass
    assert next_allowed(at, zone=NY, window=window("22:00", "01:30")) == utc(2026, 11, 1, 5, 30)


def test_an_end_that_happens_twice_second_pass() -> None:
    at = utc(2026, 11, 1, 6, 10)  # 01:10 EST, second pass: 01:30 EDT is already behind us
    assert next_allowed(at, zone=NY, window=window("22:00", "01:30")) == utc(2026, 11, 1, 6, 30)


def test_falling_back_out_of_a_window_ends_it_at_the_transition() -> None:
    # 01:45 EDT is inside 01:30-05:00; at 06:00 UTC the clock falls back to 01:00 EST, outside.
    at = utc(2026, 11, 1, 5, 45)
    assert next_allowed(at, zone=NY, window=window("01:30", "05:00")) == utc(2026, 11, 1, 6, 0)


def test_a_skipped_calendar_day() -> None:
    # Samoa skipped 2011-12-30: 23:59:59 on the 29th (UTC-10) was followed by 00:00 on the 31st.
    apia = ZoneInfo("Pacific/Apia")
    at = datetime(2011, 12, 29, 23, 0, tzinfo=apia)
    assert next_allowed(at, zone=apia, window=NIGHT) == utc(2011, 12, 30, 18, 0)  # 31st 08:00


def test_half_hour_dst_shift() -> None:
    # Lord Howe moves by 30 minutes: 2026-10-04 02:00 -> 02:30 local.
    lhi = ZoneInfo("Australia/Lord_Howe")
    at = datetime(2026, 10, 4, 1, 50, tzinfo=lhi)
    deliver = next_allowed(at, zone=lhi, window=window("22:00", "02:15"))
    assert deliver.astimezone(lhi).replace(tzinfo=None) == datetime(2026, 10, 4, 2, 30)


ZONES = sorted(available_timezones())


@st.composite
def windows(draw: st.DrawFn) -> QuietHours:
    start = draw(st.times())
    end = draw(st.times().filter(lambda t: t != start))
    return QuietHours(start=start, end=end)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    at=st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2060, 1, 1)),
    quiet=windows(),
)
def test_deferral_lands_on_the_first_allowed_instant(
    zone: str, at: datetime, quiet: QuietHours
) -> None:
    tz = ZoneInfo(zone)
    now = at.replace(tzinfo=UTC)
    deliver = next_allowed(now, zone=tz, window=quiet)
    if not within_quiet_hours(now, zone=tz, window=quiet):
        assert deliver == now
        return
    assert deliver > now
    assert deliver - now <= timedelta(days=2)
    assert not within_quiet_hours(deliver, zone=tz, window=quiet)
    # ... and it is the first: everything between now and then is quiet.
    gap = deliver - now
    for k in range(1, 16):
        assert within_quiet_hours(now + gap * k / 16, zone=tz, window=quiet)
    assert within_quiet_hours(deliver - timedelta(microseconds=1), zone=tz, window=quiet)


# -- earliest_delivery: quiet hours per class, combined with send_after ---------------------

NIGHT_IN_NY = utc(2026, 6, 11, 3, 0)  # 23:00 in New York


@pytest.mark.parametrize(
    ("priority", "deferred"),
    [("transactional", False), ("risk_alert", False), ("triggered", True), ("marketing", True)],
)
def test_quiet_hours_defer_triggered_and_marketing_only(priority: str, deferred: bool) -> None:
    timing = earliest_delivery(
        intent(priority=priority, created_at=NIGHT_IN_NY),
        recipient(),
        now=NIGHT_IN_NY,
        quiet_hours=NIGHT,
    )
    assert (timing.deliver_at is not None) is deferred
    assert timing.facts["local_time"] == "2026-06-10T23:00:00-04:00"
    if deferred:
        assert timing.reason == "quiet_hours"
        assert timing.deliver_at == utc(2026, 6, 11, 12, 0)


def test_no_quiet_hours_no_deferral() -> None:
    timing = earliest_delivery(intent(), recipient(), now=NIGHT_IN_NY, quiet_hours=None)
    assert timing.deliver_at is None and timing.facts["quiet_hours"] is None


def test_send_after_in_the_day_is_scheduled() -> None:
    later = T0 + timedelta(hours=2)
    timing = earliest_delivery(intent(send_after=later), recipient(), now=T0, quiet_hours=NIGHT)
    assert (timing.reason, timing.deliver_at) == ("scheduled", later)


def test_send_after_landing_in_quiet_hours_moves_to_their_end() -> None:
    timing = earliest_delivery(
        intent(send_after=NIGHT_IN_NY), recipient(), now=T0, quiet_hours=NIGHT
    )
    assert (timing.reason, timing.deliver_at) == ("quiet_hours", utc(2026, 6, 11, 12, 0))


def test_a_past_send_after_is_no_reason_to_wait() -> None:
    timing = earliest_delivery(
        intent(send_after=T0 - timedelta(hours=1)), recipient(), now=T0, quiet_hours=NIGHT
    )
    assert timing.deliver_at is None and timing.reason is None
