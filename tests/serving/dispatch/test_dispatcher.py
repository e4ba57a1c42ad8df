"""decide(): each outcome, the order of the steps, and idempotency across deferrals.

Runs against both store kinds (the ``stores`` fixture); property tests live in
test_dispatcher_properties.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from serving.dispatch import (
    Decision,
    DispatchError,
    DispatchPolicy,
    DispatchStores,
    Intent,
    LoadSignal,
    Recipient,
    StateStoreError,
    decide,
    memory_stores,
)
from serving.dispatch.state import MemoryCapLedger, MemoryIdempotencyStore

from .builders import CALM, T0, intent, policy, recipient

NIGHT_IN_NY = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York
MORNING_IN_NY = datetime(2026, 6, 11, 12, 0, tzinfo=UTC)  # 08:00 in New York
OVERLOAD = LoadSignal(queue_depth=10**9, lag_seconds=1e9)
ONE_A_DAY = {"caps": [{"window": "24h", "limit": 1}]}


def run(
    stores: DispatchStores,
    i: Intent | None = None,
    r: Recipient | None = None,
    *,
    now: datetime = T0,
    p: DispatchPolicy | None = None,
    load: LoadSignal = CALM,
) -> Decision:
    return decide(
        i or intent(),
        r or recipient(),
        now=now,
        policy=p or policy(),
        stores=stores,
        load=load,
    )


def numbered(n: int, **overrides: object) -> Intent:
    return intent(intent_id=f"i-{n}", idempotency_key=f"k-{n}", **overrides)


def test_a_plain_marketing_intent_is_sent_on_the_first_channel(stores: DispatchStores) -> None:
    d = run(stores)
    assert (d.outcome, d.reason, d.channel, d.deliver_at) == ("send", "sent", "push", None)
    assert d.policy_version == "default"
    assert set(d.inputs) == {
        "idempotency",
        "freshness",
        "consent",
        "timing",
        "shedding",
        "caps",
    }
    assert d.inputs["caps"] == {
        "mode": "enforce",
        "override": False,
        "caps": [
            {"window_seconds": 86400.0, "limit": 3, "count": 0},
            {"window_seconds": 604800.0, "limit": 10, "count": 0},
        ],
    }
    assert Decision.from_json(d.to_json()) == d


def test_a_replay_of_a_sent_intent_is_a_duplicate(stores: DispatchStores) -> None:
    assert run(stores).reason == "sent"
    replay = run(stores, intent(intent_id="i-2"), now=T0 + timedelta(minutes=1))
    assert (replay.outcome, replay.reason, replay.channel) == ("suppress", "duplicate", None)
    assert replay.inputs == {"idempotency": {"claim": "sent", "sent_at": T0.isoformat()}}


def test_a_replay_after_expiry_is_still_caught(stores: DispatchStores) -> None:
    short = intent(ttl=timedelta(minutes=5))
    assert run(stores, short).reason == "sent"
    # the key is kept for the policy's retention (7d) and at least until the intent is stale
    assert run(stores, short, now=T0 + timedelta(hours=1)).reason == "duplicate"


def test_an_intent_held_by_another_dispatcher_is_deferred_in_flight(
    stores: DispatchStores,
) -> None:
    i = intent()
    stores.idempotency.claim(
        user_id="u1", key=i.idempotency_key, owner="other", lease=timedelta(seconds=30), now=T0
    )
    d = run(stores, i)
    assert (d.outcome, d.reason) == ("defer", "in_flight")
    assert d.deliver_at is not None and T0 < d.deliver_at <= T0 + timedelta(seconds=30)
    stores.idempotency.release(user_id="u1", key=i.idempotency_key, owner="other", now=T0)
    assert run(stores, i).reason == "sent"


def test_stale_intents_are_suppressed(stores: DispatchStores) -> None:
    d = run(stores, intent(ttl=timedelta(hours=1)), now=T0 + timedelta(hours=2))
    assert (d.outcome, d.reason) == ("suppress", "stale")
    assert d.inputs["freshness"]["age_seconds"] == 7200.0  # type: ignore[index]


@pytest.mark.parametrize("priority", ["transactional", "risk_alert", "triggered", "marketing"])
def test_opt_out_and_consent_bind_every_priority(stores: DispatchStores, priority: str) -> None:
    i = numbered(1, priority=priority, channels=("email",))
    assert run(stores, i, recipient(opted_out=True)).reason == "opted_out"
    assert run(stores, i, recipient(consent={"email": False})).reason == "no_consent"
    assert run(stores, i, recipient(contacts={})).reason == "unreachable"
    # none of these used the key: consent granted, the same intent goes out
    assert run(stores, i).reason == "sent"


def test_consent_falls_back_to_the_next_preferred_channel(stores: DispatchStores) -> None:
    r = recipient(consent={"email": True, "push": False})
    d = run(stores, intent(channels=("push", "email")), r)
    assert (d.reason, d.channel) == ("sent", "email")
    assert d.inputs["consent"]["channels"][0] == {  # type: ignore[index]
        "channel": "push",
        "consented": False,
        "reachable": True,
    }


def test_marketing_at_night_is_deferred_to_local_morning(stores: DispatchStores) -> None:
    d = run(stores, intent(created_at=NIGHT_IN_NY), now=NIGHT_IN_NY)
    assert (d.outcome, d.reason, d.channel) == ("defer", "quiet_hours", "push")
    assert d.deliver_at == MORNING_IN_NY
    assert d.inputs["timing"]["local_time"] == "2026-06-10T23:00:00-04:00"  # type: ignore[index]


@pytest.mark.parametrize("priority", ["transactional", "risk_alert"])
def test_transactional_and_risk_alerts_ignore_quiet_hours(
    stores: DispatchStores, priority: str
) -> None:
    d = run(stores, intent(priority=priority, created_at=NIGHT_IN_NY), now=NIGHT_IN_NY)
    assert d.reason == "sent"


def test_a_deferral_past_expiry_is_suppressed_as_stale_now(stores: DispatchStores) -> None:
    i = intent(priority="triggered", created_at=NIGHT_IN_NY, ttl=timedelta(hours=1))
    d = run(stores, i, now=NIGHT_IN_NY)
    assert (d.outcome, d.reason) == ("suppress", "stale")
    assert d.inputs["deferral"] == {  # type: ignore[comparison-overlap]
        "would_defer_to": MORNING_IN_NY.isoformat(),
        "by": "quiet_hours",
    }


def test_send_after_defers_as_scheduled(stores: DispatchStores) -> None:
    d = run(stores, intent(send_after=T0 + timedelta(hours=2)))
    assert (d.reason, d.deliver_at) == ("scheduled", T0 + timedelta(hours=2))


@pytest.mark.parametrize(
    ("priority", "reason"),
    [
        ("marketing", "shed_overload"),
        ("triggered", "shed_overload"),
        ("risk_alert", "sent"),
        ("transactional", "sent"),
    ],
)
def test_overload_sheds_the_lower_classes(
    stores: DispatchStores, priority: str, reason: str
) -> None:
    assert run(stores, intent(priority=priority), load=OVERLOAD).reason == reason


def test_moderate_load_sheds_marketing_but_not_triggered(stores: DispatchStores) -> None:
    load = LoadSignal(queue_depth=500_000)
    assert run(stores, numbered(1), load=load).reason == "shed_overload"
    assert run(stores, numbered(2, priority="triggered"), load=load).reason == "sent"


def test_quiet_hours_come_before_shedding(stores: DispatchStores) -> None:
    d = run(stores, intent(created_at=NIGHT_IN_NY), now=NIGHT_IN_NY, load=OVERLOAD)
    assert d.reason == "quiet_hours"


def test_caps_suppress_marketing_and_triggered_alike(stores: DispatchStores) -> None:
    reasons = [run(stores, numbered(n)).reason for n in range(3)]
    reasons += [run(stores, numbered(3, priority="triggered")).reason]
    assert reasons == ["sent", "sent", "sent", "frequency_capped"]
    capped = run(stores, numbered(4))
    assert capped.inputs["caps"]["caps"][0] == {  # type: ignore[index]
        "window_seconds": 86400.0,
        "limit": 3,
        "count": 3,
    }


def test_transactional_bypasses_caps_and_does_not_count(stores: DispatchStores) -> None:
    p = policy(**ONE_A_DAY)
    assert run(stores, numbered(1), p=p).reason == "sent"
    for n in range(2, 6):
        d = run(stores, numbered(n, priority="transactional"), p=p)
        assert d.reason == "sent"
        assert d.inputs["caps"] == {"mode": "exempt", "override": False}
    assert stores.caps.counts(user_id="u1", at=T0, caps=p.caps) == (1,)


def test_risk_alerts_bypass_caps_but_count_against_marketing(stores: DispatchStores) -> None:
    p = policy(**ONE_A_DAY)
    for n in range(3):
        assert run(stores, numbered(n, priority="risk_alert"), p=p).reason == "sent"
    assert stores.caps.counts(user_id="u1", at=T0, caps=p.caps) == (3,)
    assert run(stores, numbered(9), p=p).reason == "frequency_capped"


def test_a_user_cap_override_replaces_the_policy_caps(stores: DispatchStores) -> None:
    strict = recipient(cap_override=({"window": "24h", "limit": 1},))
    assert run(stores, numbered(1), strict).reason == "sent"
    d = run(stores, numbered(2), strict)
    assert d.reason == "frequency_capped"
    assert d.inputs["caps"]["override"] is True  # type: ignore[index]


def test_rate_limit_defers_with_the_bucket_wait(stores: DispatchStores) -> None:
    p = policy(rate_limits={"push": {"per_second": 2, "burst": 1}})
    assert run(stores, numbered(1), p=p).reason == "sent"
    d = run(stores, numbered(2), p=p)
    assert (d.outcome, d.reason, d.channel) == ("defer", "rate_limited", "push")
    assert d.deliver_at == T0 + timedelta(milliseconds=500)
    # the deferred intent spent no cap budget
    assert stores.caps.counts(user_id="u1", at=T0, caps=p.caps) == (1, 1)
    # other channels have their own bucket
    assert run(stores, numbered(3, channels=("email",)), p=p).reason == "sent"


def test_a_capped_intent_gives_its_token_back(stores: DispatchStores) -> None:
    p = policy(rate_limits={"push": {"per_second": 0.001, "burst": 2}}, **ONE_A_DAY)
    assert run(stores, numbered(1), p=p).reason == "sent"
    assert run(stores, numbered(2), p=p).reason == "frequency_capped"
    # the capped intent returned its token, so one is left for another user, and no more
    other = numbered(4, user_id="u2")
    assert run(stores, other, recipient(user_id="u2"), p=p).reason == "sent"
    assert run(stores, numbered(5, user_id="u3"), recipient(user_id="u3"), p=p).reason == (
        "rate_limited"
    )


def test_shed_intents_take_no_token(stores: DispatchStores) -> None:
    p = policy(rate_limits={"push": {"per_second": 0.001, "burst": 1}})
    assert run(stores, numbered(1), p=p, load=OVERLOAD).reason == "shed_overload"
    assert run(stores, numbered(2), p=p).reason == "sent"


def test_a_deferred_intent_is_delivered_later_exactly_once(stores: DispatchStores) -> None:
    i = intent(created_at=NIGHT_IN_NY)
    first = run(stores, i, now=NIGHT_IN_NY)
    assert first.reason == "quiet_hours" and first.deliver_at is not None
    again = run(stores, i, now=first.deliver_at)
    assert again.reason == "sent"
    assert run(stores, i, now=first.deliver_at + timedelta(minutes=1)).reason == "duplicate"
    assert stores.caps.counts(user_id="u1", at=first.deliver_at, caps=policy().caps) == (1, 1)


def test_a_suppressed_intent_leaves_its_key_free(stores: DispatchStores) -> None:
    i = intent()
    assert run(stores, i, recipient(consent={})).reason == "no_consent"
    claim = stores.idempotency.claim(
        user_id="u1", key=i.idempotency_key, owner="probe", lease=timedelta(seconds=1), now=T0
    )
    assert claim.status == "claimed"


def test_decide_checks_its_arguments() -> None:
    with pytest.raises(DispatchError, match="timezone-aware"):
        run(memory_stores(), now=T0.replace(tzinfo=None))
    with pytest.raises(DispatchError, match="not the intent's user"):
        run(memory_stores(), r=recipient(user_id="u2"))


class _BrokenLedger(MemoryCapLedger):
    """A ledger whose backend fails, as Redis might mid-decision."""

    def check_and_record(self, **kwargs: object) -> object:  # type: ignore[override]
        raise StateStoreError("ledger unavailable")


def test_a_failing_store_releases_the_lease() -> None:
    base = memory_stores()
    stores = DispatchStores(
        idempotency=base.idempotency, caps=_BrokenLedger(), buckets=base.buckets
    )
    with pytest.raises(StateStoreError, match="ledger unavailable"):
        run(stores)
    assert run(base).reason == "sent"  # same idempotency store, key free again


class _LeaseThief(MemoryIdempotencyStore):
    """Simulates a lease that lapsed mid-decision and was taken by another dispatcher."""

    def confirm(
        self, *, user_id: str, key: str, owner: str, retain: timedelta, now: datetime
    ) -> bool:
        self.release(user_id=user_id, key=key, owner=owner, now=now)
        self.claim(user_id=user_id, key=key, owner="thief", lease=timedelta(seconds=30), now=now)
        return super().confirm(user_id=user_id, key=key, owner=owner, retain=retain, now=now)


def test_losing_the_lease_before_commit_is_a_duplicate_and_refunds_the_token() -> None:
    base = memory_stores()
    stores = DispatchStores(idempotency=_LeaseThief(), caps=base.caps, buckets=base.buckets)
    p = policy(rate_limits={"push": {"per_second": 0.001, "burst": 1}})
    d = run(stores, p=p)
    assert (d.outcome, d.reason) == ("suppress", "duplicate")
    assert d.inputs["idempotency"] == {"claim": "claimed", "confirm": "lost_to_another_dispatcher"}
    assert base.buckets.acquire("push", rate=0.001, burst=1, now=T0).granted
