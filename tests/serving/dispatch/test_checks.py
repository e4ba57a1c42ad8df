"""The pure checks one by one: freshness, consent and channel choice, shedding, caps arithmetic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.dispatch import DispatchError, FrequencyCap, LoadShedding, LoadSignal
from serving.dispatch.checks import (
    check_freshness,
    check_shedding,
    choose_channel,
    count_in_windows,
    effective_caps,
    ledger_retention,
)
from serving.dispatch.policy import TtlDefaults
from serving.dispatch.priority import PRIORITIES, priority_rank

from .builders import T0, intent, policy, recipient

# -- freshness -------------------------------------------------------------------------------


def test_an_intent_exactly_ttl_old_is_fresh_and_a_microsecond_later_stale() -> None:
    i = intent(ttl=timedelta(hours=1))
    assert not check_freshness(i, now=T0 + timedelta(hours=1), defaults=TtlDefaults()).stale
    late = T0 + timedelta(hours=1, microseconds=1)
    assert check_freshness(i, now=late, defaults=TtlDefaults()).stale


def test_the_class_default_ttl_applies_when_the_intent_has_none() -> None:
    defaults = TtlDefaults(triggered=timedelta(minutes=10))
    i = intent(priority="triggered")
    assert not check_freshness(i, now=T0 + timedelta(minutes=10), defaults=defaults).stale
    assert check_freshness(i, now=T0 + timedelta(minutes=11), defaults=defaults).stale


def test_an_intent_from_the_future_has_age_zero() -> None:
    fresh = check_freshness(intent(), now=T0 - timedelta(hours=1), defaults=TtlDefaults())
    assert fresh.age == timedelta(0) and not fresh.stale
    assert fresh.facts()["expires_at"] == (T0 + timedelta(hours=48)).isoformat()


# -- consent and channel choice -------------------------------------------------------------


def test_the_first_consented_reachable_channel_wins() -> None:
    choice = choose_channel(intent(channels=("sms", "push", "email")), recipient())
    assert choice.channel == "push" and choice.refusal is None
    assert choice.evaluated[0] == ("sms", False, False)


def test_an_unreachable_first_choice_falls_back() -> None:
    r = recipient(contacts={"email": "u1@example.com", "push": ""})
    assert choose_channel(intent(channels=("push", "email")), r).channel == "email"


@pytest.mark.parametrize(
    ("consent", "contacts", "opted_out", "refusal"),
    [
        ({"push": True, "email": True}, {"push": "t", "email": "e"}, True, "opted_out"),
        ({}, {"push": "t", "email": "e"}, False, "no_consent"),
        ({"push": False, "email": False}, {"push": "t", "email": "e"}, False, "no_consent"),
        ({"push": True}, {"email": "e"}, False, "unreachable"),
        ({"push": True, "email": False}, {"email": "e"}, False, "unreachable"),
    ],
)
def test_why_there_is_no_channel(
    consent: dict[str, bool], contacts: dict[str, str], opted_out: bool, refusal: str
) -> None:
    r = recipient(consent=consent, contacts=contacts, opted_out=opted_out)
    choice = choose_channel(intent(channels=("push", "email")), r)
    assert choice.channel is None and choice.refusal == refusal


# -- shedding --------------------------------------------------------------------------------


def test_load_signals_are_never_negative() -> None:
    with pytest.raises(DispatchError):
        LoadSignal(queue_depth=-1)


@pytest.mark.parametrize(
    ("load", "shed"),
    [
        (LoadSignal(queue_depth=199_999, lag_seconds=299), set()),
        (LoadSignal(queue_depth=200_000), {"marketing"}),
        (LoadSignal(lag_seconds=300), {"marketing"}),
        (LoadSignal(queue_depth=1_000_000), {"marketing", "triggered"}),
        (LoadSignal(queue_depth=10**12, lag_seconds=1e9), {"marketing", "triggered"}),
    ],
)
def test_default_ladder_sheds_marketing_then_triggered(load: LoadSignal, shed: set[str]) -> None:
    assert {p for p in PRIORITIES if check_shedding(p, load, LoadShedding()).shed} == shed


def test_risk_alerts_are_shed_only_when_configured() -> None:
    ladder = LoadShedding.model_validate(
        {
            "marketing": {"queue_depth": 10},
            "triggered": {"queue_depth": 20},
            "risk_alert": {"queue_depth": 30},
        }
    )
    assert not check_shedding("risk_alert", LoadSignal(queue_depth=29), ladder).shed
    assert check_shedding("risk_alert", LoadSignal(queue_depth=30), ladder).shed
    assert not check_shedding("transactional", LoadSignal(queue_depth=10**9), ladder).shed


@st.composite
def ladders(draw: st.DrawFn) -> LoadShedding:
    depths = sorted(draw(st.lists(st.integers(1, 10**6), min_size=3, max_size=3)))
    lags = sorted(draw(st.lists(st.floats(0.1, 1e4), min_size=3, max_size=3)))
    risk = draw(st.booleans())
    return LoadShedding.model_validate(
        {
            "marketing": {"queue_depth": depths[0], "lag_seconds": lags[0]},
            "triggered": {"queue_depth": depths[1], "lag_seconds": lags[1]},
            "risk_alert": {"queue_depth": depths[2], "lag_seconds": lags[2]} if risk else None,
        }
    )


@given(
    ladder=ladders(),
    depth=st.integers(0, 2 * 10**6),
    lag=st.floats(0, 2e4, allow_nan=False),
)
def test_shedding_goes_lowest_first_and_never_touches_transactional(
    ladder: LoadShedding, depth: int, lag: float
) -> None:
    load = LoadSignal(queue_depth=depth, lag_seconds=lag)
    shed = {p: check_shedding(p, load, ladder).shed for p in PRIORITIES}
    assert not shed["transactional"]
    for higher in PRIORITIES:
        for lower in PRIORITIES:
            if priority_rank(lower) > priority_rank(higher) and shed[higher]:
                assert shed[lower], (higher, lower, load)


# -- caps arithmetic -------------------------------------------------------------------------

DAY = FrequencyCap(window=timedelta(hours=24), limit=3)
WEEK = FrequencyCap(window=timedelta(days=7), limit=10)


def test_windows_count_entries_strictly_younger_than_the_window_and_future_ones() -> None:
    stamps = [
        T0 - timedelta(hours=24),  # exactly a window old: out of the 24h window
        T0 - timedelta(hours=23, minutes=59),
        T0 - timedelta(days=6),
        T0 + timedelta(minutes=5),  # another dispatcher's clock runs ahead: counts
    ]
    assert count_in_windows(stamps, at=T0, caps=[DAY, WEEK]) == (2, 4)


def test_a_user_override_replaces_the_caps_and_extends_retention() -> None:
    month = FrequencyCap(window=timedelta(days=30), limit=20)
    p = policy()
    assert effective_caps(p, recipient()) == p.caps
    assert ledger_retention(p, recipient()) == timedelta(days=7)
    r = recipient(cap_override=(month,))
    assert effective_caps(p, r) == (month,)
    assert ledger_retention(p, r) == timedelta(days=30)
    assert ledger_retention(policy(caps=[]), recipient()) is None
