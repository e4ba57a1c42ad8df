"""A campaign's own frequency caps (``payload.caps``): counted per campaign, checked with the
global caps in one atomic step, never loosening them. Memory and Redis stores alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from serving.dispatch import DispatchStores, Intent, decide, decide_many
from serving.dispatch.exceptions import IntentFormatError
from serving.dispatch.wire import encode_intent, parse_intent

from .builders import CALM, T0, intent, policy, recipient

ONE_A_DAY = [{"window": "24h", "limit": 1}]
GLOBAL = policy(quiet_hours=None, caps=[{"window": "24h", "limit": 3}])


def campaign(name: str, run: int, *, caps: Any = ONE_A_DAY, user: str = "u1") -> Intent:
    key = f"campaign:{name}:r{run}:{user}"
    payload: dict[str, Any] = {"campaign_id": name, "template": "spring"}
    if caps is not None:
        payload["caps"] = caps
    return intent(intent_id=key, user_id=user, source_id=name, idempotency_key=key, payload=payload)


def test_a_campaign_cap_holds_while_other_campaigns_still_reach_the_user(
    stores: DispatchStores,
) -> None:
    def send(i: Intent, at: timedelta) -> str:
        now = T0 + at
        d = decide(i, recipient(), now=now, policy=GLOBAL, stores=stores, load=CALM)
        return d.reason

    assert send(campaign("flash", 1), timedelta(0)) == "sent"
    assert send(campaign("flash", 2), timedelta(hours=1)) == "campaign_capped"
    assert send(campaign("winback", 1), timedelta(hours=2)) == "sent"  # its own budget
    assert send(campaign("flash", 3), timedelta(hours=25)) == "sent"  # the window rolled


def test_the_global_cap_still_binds_and_is_named_first(stores: DispatchStores) -> None:
    tight = policy(quiet_hours=None, caps=[{"window": "24h", "limit": 1}])
    loose = [{"window": "24h", "limit": 5}]  # looser than the global cap: cannot loosen it
    first = decide(
        campaign("flash", 1, caps=loose),
        recipient(),
        now=T0,
        policy=tight,
        stores=stores,
        load=CALM,
    )
    second = decide(
        campaign("winback", 1, caps=ONE_A_DAY),
        recipient(),
        now=T0 + timedelta(minutes=5),
        policy=tight,
        stores=stores,
        load=CALM,
    )
    assert (first.reason, second.reason) == ("sent", "frequency_capped")


def test_a_refused_send_is_not_counted_and_the_log_names_both_budgets(
    stores: DispatchStores,
) -> None:
    batch = [(campaign("flash", n), recipient()) for n in range(1, 4)]
    decisions = decide_many(batch, now=T0, policy=GLOBAL, stores=stores, load=CALM)
    assert [d.reason for d in decisions] == ["sent", "campaign_capped", "campaign_capped"]
    facts = decisions[1].inputs["caps"]
    assert isinstance(facts, dict)
    assert facts["campaign"] == {
        "id": "flash",
        "caps": [{"window_seconds": 86400.0, "limit": 1, "count": 1}],
    }
    assert facts["caps"] == [{"window_seconds": 86400.0, "limit": 3, "count": 1}]
    # Only the send was counted: two more campaigns still fit under the global 3 a day.
    later = [(campaign(name, 1), recipient()) for name in ("winback", "launch", "extra")]
    reasons = [
        d.reason
        for d in decide_many(
            later, now=T0 + timedelta(minutes=1), policy=GLOBAL, stores=stores, load=CALM
        )
    ]
    assert reasons == ["sent", "sent", "frequency_capped"]


def test_campaign_caps_work_without_any_global_cap(stores: DispatchStores) -> None:
    uncapped = policy(quiet_hours=None, caps=[])
    reasons = [
        decide(
            campaign("flash", n), recipient(), now=T0, policy=uncapped, stores=stores, load=CALM
        ).reason
        for n in (1, 2)
    ]
    assert reasons == ["sent", "campaign_capped"]


def test_a_retried_send_pays_once_in_both_ledgers(stores: DispatchStores) -> None:
    first = decide(
        campaign("flash", 1), recipient(), now=T0, policy=GLOBAL, stores=stores, load=CALM
    )
    again = stores.caps.check_and_record(
        user_id="u1",
        entry_id="campaign:flash:r1:u1",
        at=T0 + timedelta(seconds=1),
        caps=GLOBAL.caps,
        mode="enforce",
        retention=timedelta(hours=24),
        campaign_id="flash",
        campaign_caps=campaign("flash", 1).campaign_caps,
    )
    assert first.reason == "sent" and again.allowed and not again.recorded


def test_caps_travel_on_the_wire_and_bad_caps_are_dead_lettered() -> None:
    sent = campaign("flash", 1)
    assert parse_intent(encode_intent(sent)).campaign_caps == sent.campaign_caps
    assert sent.campaign_caps[0].window == timedelta(hours=24)
    with pytest.raises(ValueError, match=r"payload\.caps\.0\.window"):
        campaign("flash", 1, caps=[{"window": "soon", "limit": 1}])
    raw = encode_intent(campaign("flash", 1)).replace(b'"24h"', b'"-1h"')
    with pytest.raises(IntentFormatError, match=r"payload\.caps\.0\.window") as caught:
        parse_intent(raw)
    assert caught.value.reason == "invalid"


def test_caps_in_a_trigger_payload_are_not_a_campaign_budget() -> None:
    trigger = intent(priority="triggered", payload={"caps": "anything"})
    assert trigger.campaign_caps == ()
