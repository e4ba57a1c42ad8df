"""The store contract, run against both implementations (memory, and Redis marked ``redis``)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from serving.dispatch import DispatchStores, FrequencyCap, StateStoreError

from .builders import T0

LEASE = timedelta(seconds=30)
DAY = FrequencyCap(window=timedelta(hours=24), limit=3)
WEEK = FrequencyCap(window=timedelta(days=7), limit=5)
CAPS = (DAY, WEEK)
RETAIN = timedelta(days=7)


def _wait(seconds: float) -> timedelta:
    """Let real time pass (Redis TTLs run on the server clock) and say how much, for memory."""
    time.sleep(seconds)
    return timedelta(seconds=seconds)


# -- idempotency -----------------------------------------------------------------------------


def test_a_claim_is_exclusive_until_released(stores: DispatchStores) -> None:
    idem = stores.idempotency
    assert idem.claim(user_id="u1", key="k", owner="a", lease=LEASE, now=T0).status == "claimed"
    rival = idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=T0)
    assert rival.status == "in_flight"
    assert rival.retry_after is not None and timedelta(0) < rival.retry_after <= LEASE
    # the holder may claim again (a retried call), a stranger's release does nothing
    assert idem.claim(user_id="u1", key="k", owner="a", lease=LEASE, now=T0).status == "claimed"
    idem.release(user_id="u1", key="k", owner="b", now=T0)
    assert idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=T0).status == "in_flight"
    idem.release(user_id="u1", key="k", owner="a", now=T0)
    assert idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=T0).status == "claimed"


def test_keys_are_per_user(stores: DispatchStores) -> None:
    idem = stores.idempotency
    assert idem.claim(user_id="u1", key="k", owner="a", lease=LEASE, now=T0).status == "claimed"
    assert idem.claim(user_id="u2", key="k", owner="b", lease=LEASE, now=T0).status == "claimed"


def test_only_a_confirm_makes_a_key_sent(stores: DispatchStores) -> None:
    idem = stores.idempotency
    idem.claim(user_id="u1", key="k", owner="a", lease=LEASE, now=T0)
    assert not idem.confirm(user_id="u1", key="k", owner="b", retain=RETAIN, now=T0)
    assert idem.confirm(user_id="u1", key="k", owner="a", retain=RETAIN, now=T0)
    assert idem.confirm(user_id="u1", key="k", owner="a", retain=RETAIN, now=T0)  # idempotent
    sent = idem.claim(user_id="u1", key="k", owner="c", lease=LEASE, now=T0)
    assert sent.status == "sent"
    assert sent.retry_after is not None and sent.retry_after > LEASE
    idem.release(user_id="u1", key="k", owner="a", now=T0)  # a sent key is never released
    assert idem.claim(user_id="u1", key="k", owner="c", lease=LEASE, now=T0).status == "sent"


def test_a_lapsed_lease_can_be_confirmed_if_nobody_took_it(stores: DispatchStores) -> None:
    idem = stores.idempotency
    short = timedelta(milliseconds=50)
    idem.claim(user_id="u1", key="k", owner="a", lease=short, now=T0)
    later = T0 + _wait(0.15)
    assert idem.confirm(user_id="u1", key="k", owner="a", retain=RETAIN, now=later)
    assert idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=later).status == "sent"


def test_a_lapsed_lease_taken_over_cannot_be_confirmed(stores: DispatchStores) -> None:
    idem = stores.idempotency
    short = timedelta(milliseconds=50)
    idem.claim(user_id="u1", key="k", owner="a", lease=short, now=T0)
    later = T0 + _wait(0.15)
    assert idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=later).status == "claimed"
    assert not idem.confirm(user_id="u1", key="k", owner="a", retain=RETAIN, now=later)
    assert idem.confirm(user_id="u1", key="k", owner="b", retain=RETAIN, now=later)


def test_a_sent_mark_expires_after_its_retention(stores: DispatchStores) -> None:
    idem = stores.idempotency
    idem.claim(user_id="u1", key="k", owner="a", lease=LEASE, now=T0)
    idem.confirm(user_id="u1", key="k", owner="a", retain=timedelta(milliseconds=50), now=T0)
    later = T0 + _wait(0.15)
    assert idem.claim(user_id="u1", key="k", owner="b", lease=LEASE, now=later).status == "claimed"


# -- cap ledger ------------------------------------------------------------------------------


def _record(stores: DispatchStores, entry: str, at_hours: float, mode: str = "enforce") -> bool:
    verdict = stores.caps.check_and_record(
        user_id="u1",
        entry_id=entry,
        at=T0 + timedelta(hours=at_hours),
        caps=CAPS,
        mode=mode,  # type: ignore[arg-type]
        retention=RETAIN,
    )
    return verdict.allowed


def test_caps_allow_up_to_the_limit_per_rolling_window(stores: DispatchStores) -> None:
    assert [_record(stores, f"e{i}", i) for i in range(4)] == [True, True, True, False]
    # e0 (hour 0) leaves the 24h window at exactly hour 24
    assert not _record(stores, "e4", 23.99)
    assert _record(stores, "e5", 24)
    assert stores.caps.counts(user_id="u1", at=T0 + timedelta(hours=24), caps=CAPS) == (3, 4)


def test_the_weekly_cap_binds_across_days(stores: DispatchStores) -> None:
    allowed = [_record(stores, f"e{day}", 24 * day) for day in range(7)]
    assert allowed == [True] * 5 + [False] * 2
    assert _record(stores, "e7", 24 * 7)  # day 0 left the week


def test_a_capped_attempt_records_nothing(stores: DispatchStores) -> None:
    for i in range(3):
        _record(stores, f"e{i}", 0)
    verdict = stores.caps.check_and_record(
        user_id="u1", entry_id="late", at=T0, caps=CAPS, mode="enforce", retention=RETAIN
    )
    assert (verdict.allowed, verdict.recorded, verdict.counts) == (False, False, (3, 3))
    assert stores.caps.counts(user_id="u1", at=T0, caps=CAPS) == (3, 3)


def test_recording_the_same_entry_twice_costs_once(stores: DispatchStores) -> None:
    for i in range(3):
        _record(stores, f"e{i}", 0)
    retry = stores.caps.check_and_record(
        user_id="u1", entry_id="e2", at=T0, caps=CAPS, mode="enforce", retention=RETAIN
    )
    assert retry.allowed and not retry.recorded
    assert stores.caps.counts(user_id="u1", at=T0, caps=CAPS) == (3, 3)


def test_count_mode_records_past_the_cap_and_still_binds_others(stores: DispatchStores) -> None:
    assert all(_record(stores, f"risk{i}", 0, mode="count") for i in range(5))
    assert stores.caps.counts(user_id="u1", at=T0, caps=CAPS) == (5, 5)
    assert not _record(stores, "promo", 1)


def test_entries_older_than_retention_are_trimmed(stores: DispatchStores) -> None:
    for i in range(3):
        _record(stores, f"e{i}", 0)
    later = T0 + RETAIN + timedelta(hours=1)
    stores.caps.check_and_record(
        user_id="u1", entry_id="new", at=later, caps=CAPS, mode="enforce", retention=RETAIN
    )
    # counted from far in the past, only a trimmed ledger reports 1 in a 30-day window
    month = FrequencyCap(window=timedelta(days=30), limit=99)
    assert stores.caps.counts(user_id="u1", at=later, caps=(month,)) == (1,)


def test_users_have_separate_ledgers(stores: DispatchStores) -> None:
    for i in range(3):
        _record(stores, f"e{i}", 0)
    other = stores.caps.check_and_record(
        user_id="u2", entry_id="e0", at=T0, caps=CAPS, mode="enforce", retention=RETAIN
    )
    assert other.allowed and other.counts == (0, 0)


def test_exempt_sends_never_reach_the_ledger(stores: DispatchStores) -> None:
    with pytest.raises(StateStoreError, match="exempt"):
        _record(stores, "tx", 0, mode="exempt")


# -- token bucket (caller clock for both kinds here) -----------------------------------------


def test_a_bucket_grants_its_burst_then_says_how_long_to_wait(stores: DispatchStores) -> None:
    buckets = stores.buckets
    grants = [buckets.acquire("sms", rate=10, burst=3, now=T0) for _ in range(4)]
    assert [g.granted for g in grants] == [True, True, True, False]
    assert grants[2].tokens_left == pytest.approx(0)
    assert grants[3].wait == timedelta(milliseconds=100)
    half = T0 + timedelta(milliseconds=50)
    assert buckets.acquire("sms", rate=10, burst=3, now=half).wait == timedelta(milliseconds=50)
    assert buckets.acquire("sms", rate=10, burst=3, now=T0 + timedelta(milliseconds=100)).granted


def test_a_bucket_refills_to_its_burst_and_no_further(stores: DispatchStores) -> None:
    buckets = stores.buckets
    for _ in range(3):
        buckets.acquire("sms", rate=10, burst=3, now=T0)
    idle = T0 + timedelta(hours=1)
    grants = [buckets.acquire("sms", rate=10, burst=3, now=idle) for _ in range(4)]
    assert [g.granted for g in grants] == [True, True, True, False]


def test_a_refund_gives_one_token_back_but_never_above_burst(stores: DispatchStores) -> None:
    buckets = stores.buckets
    buckets.refund("push", rate=10, burst=2, now=T0)  # already full: stays at 2
    assert [buckets.acquire("push", rate=10, burst=2, now=T0).granted for _ in range(3)] == [
        True,
        True,
        False,
    ]
    buckets.refund("push", rate=10, burst=2, now=T0)
    assert buckets.acquire("push", rate=10, burst=2, now=T0).granted
    assert not buckets.acquire("push", rate=10, burst=2, now=T0).granted


def test_buckets_are_per_name(stores: DispatchStores) -> None:
    assert stores.buckets.acquire("sms", rate=1, burst=1, now=T0).granted
    assert not stores.buckets.acquire("sms", rate=1, burst=1, now=T0).granted
    assert stores.buckets.acquire("email", rate=1, burst=1, now=T0).granted
