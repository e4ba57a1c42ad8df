"""Intent, Recipient and Decision: what they accept, what they refuse, how they serialise."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from serving.dispatch import PRIORITIES, REASON_OUTCOME, REASONS, Decision
from serving.dispatch.priority import cap_mode, priority_rank, quiet_hours_apply

from .builders import T0, intent, recipient


@pytest.mark.parametrize(
    ("source", "priority", "ok"),
    [
        ("campaign", "marketing", True),
        ("campaign", "triggered", False),
        ("campaign", "risk_alert", False),
        ("campaign", "transactional", False),
        ("trigger", "triggered", True),
        ("trigger", "risk_alert", True),
        ("trigger", "marketing", False),
        ("trigger", "transactional", False),
        ("transactional", "transactional", True),
        ("transactional", "marketing", False),
    ],
)
def test_a_source_cannot_claim_a_higher_class(source: str, priority: str, ok: bool) -> None:
    if ok:
        assert intent(source=source, priority=priority).priority == priority
    else:
        with pytest.raises(ValidationError, match=f"a {source} intent must be"):
            intent(source=source, priority=priority)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"channels": ()}, "channels"),
        ({"channels": ("push", "push")}, "each channel may appear once"),
        ({"channels": ("fax",)}, "channels"),
        ({"user_id": "u{1}"}, "user_id"),
        ({"user_id": ""}, "user_id"),
        ({"created_at": datetime(2026, 1, 1)}, "timezone"),
        ({"ttl": "0s"}, "positive duration"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"priority": "urgent"}, "priority"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_intents_are_refused(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        intent(**overrides)


def test_intent_is_frozen_and_json_round_trips() -> None:
    original = intent(ttl=timedelta(hours=2), send_after=T0 + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="frozen"):
        original.user_id = "u2"  # type: ignore[misc]
    assert type(original).model_validate_json(original.model_dump_json()) == original
    assert original.expires_at(timedelta(days=9)) == T0 + timedelta(hours=2)
    assert intent().expires_at(timedelta(days=9)) == T0 + timedelta(days=9)


def test_recipient_reads_missing_consent_as_no_and_blank_contact_as_unreachable() -> None:
    r = recipient(consent={"email": True}, contacts={"email": "  ", "push": "tok"})
    assert r.consents_to("email") and not r.consents_to("push")
    assert not r.reachable_on("email") and r.reachable_on("push")
    assert not r.reachable_on("sms")


def test_recipient_time_zone_must_be_real() -> None:
    with pytest.raises(ValidationError, match="unknown IANA time zone 'Mars/Olympus'"):
        recipient(timezone="Mars/Olympus")


def test_priorities_are_ordered_and_their_exemptions_fixed() -> None:
    assert sorted(PRIORITIES, key=priority_rank, reverse=True) == [
        "marketing",
        "triggered",
        "risk_alert",
        "transactional",
    ]
    assert [cap_mode(p) for p in PRIORITIES] == ["exempt", "count", "enforce", "enforce"]
    assert [quiet_hours_apply(p) for p in PRIORITIES] == [False, False, True, True]


def test_every_reason_belongs_to_one_outcome() -> None:
    assert set(REASON_OUTCOME) == set(REASONS)
    assert {r for r, o in REASON_OUTCOME.items() if o == "send"} == {"sent"}
    assert {r for r, o in REASON_OUTCOME.items() if o == "defer"} == {
        "in_flight",
        "scheduled",
        "quiet_hours",
        "rate_limited",
    }


def _decision(**overrides: object) -> Decision:
    fields: dict[str, object] = {
        "intent_id": "i-1",
        "user_id": "u1",
        "idempotency_key": "k",
        "priority": "marketing",
        "outcome": "suppress",
        "reason": "stale",
        "decided_at": T0,
        "policy_version": "v1",
        "inputs": {"freshness": {"age_seconds": 9e9}},
    }
    fields.update(overrides)
    return Decision.model_validate(fields)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"outcome": "send"}, "reason 'stale' belongs to 'suppress'"),
        ({"outcome": "defer", "reason": "quiet_hours"}, "deliver_at is required"),
        ({"deliver_at": T0 + timedelta(hours=1)}, "deliver_at is required"),
        (
            {"outcome": "defer", "reason": "rate_limited", "deliver_at": T0},
            "deliver_at must be after decided_at",
        ),
        ({"outcome": "send", "reason": "sent"}, "a send names its channel"),
        ({"reason": "bored"}, "reason"),
        ({"inputs": {"x": object()}}, "inputs"),
    ],
)
def test_inconsistent_decisions_cannot_be_built(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        _decision(**overrides)


def test_decision_json_round_trips() -> None:
    original = _decision(
        outcome="defer",
        reason="quiet_hours",
        channel="push",
        deliver_at=T0 + timedelta(hours=9),
        inputs={"timing": {"local_time": "2026-06-10T23:00:00-04:00", "apply": True}},
    )
    line = original.to_json()
    assert "\n" not in line
    assert json.loads(line)["deliver_at"] == "2026-06-11T00:00:00Z"
    assert Decision.from_json(line) == original
