"""The intent wire format: what the speed layer and the campaign fan-out write, read back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.dispatch import Recipient
from serving.dispatch.exceptions import IntentFormatError
from serving.dispatch.wire import encode_intent, parse_intent
from speed_layer.models.intent import Intent as SpeedIntent
from speed_layer.models.intent import idempotency_key, intent_id

from .builders import intent


def test_the_speed_layers_own_json_parses() -> None:
    key = idempotency_key("cart_abandoned", "e-123")
    wire = SpeedIntent(
        intent_id=intent_id(key),
        user_id="u7",
        source_id="cart_abandoned",
        priority="triggered",
        channels=("push", "email"),
        payload={"product_id": "p1", "price": 9.5},
        idempotency_key=key,
        event_time="2026-06-10T14:00:00Z",
        created_at="2026-06-10T14:30:00Z",
        ttl_seconds=3600,
    ).to_json()
    got = parse_intent(wire)
    assert (got.user_id, got.source, got.priority, got.channels) == (
        "u7",
        "trigger",
        "triggered",
        ("push", "email"),
    )
    assert got.ttl == timedelta(hours=1)
    assert got.event_time == datetime(2026, 6, 10, 14, 0, tzinfo=UTC)


def test_campaign_intent_with_send_after_and_unknown_fields() -> None:
    doc = {
        "intent_id": "i1",
        "user_id": "u1",
        "source": "campaign",
        "source_id": "spring",
        "priority": "marketing",
        "channels": ["email"],
        "payload": {"campaign_id": "spring", "template": {"email": {"en": {"body": "hi"}}}},
        "idempotency_key": "campaign:spring:r1:u1",
        "event_time": None,
        "created_at": "2026-06-10T14:30:00+00:00",
        "ttl_seconds": None,
        "send_after": "2026-06-10T18:00:00Z",
        "writer_version": 3,
    }
    got = parse_intent(json.dumps(doc).encode())
    assert got.ttl is None and got.event_time is None
    assert got.send_after == datetime(2026, 6, 10, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "reason", "names"),
    [
        (None, "not_json", "no value"),
        (b"\xff\xfe", "not_json", ""),
        (b"[1, 2]", "not_an_object", "list"),
        (b'{"user_id": "u{1}"}', "invalid", "user_id"),
        (json.dumps({"ttl_seconds": -5}).encode(), "invalid", "ttl_seconds"),
        (b"x" * 300_000, "oversized", "bytes"),
    ],
)
def test_bad_input_names_its_reason(raw: bytes | None, reason: str, names: str) -> None:
    with pytest.raises(IntentFormatError) as caught:
        parse_intent(raw)
    assert caught.value.reason == reason and names in caught.value.detail


def test_a_campaign_cannot_claim_a_higher_class() -> None:
    doc = json.loads(encode_intent(intent()))
    doc["priority"] = "transactional"
    with pytest.raises(IntentFormatError, match="priority"):
        parse_intent(json.dumps(doc))


@given(
    ttl=st.none() | st.integers(1, 10**6),
    channels=st.lists(st.sampled_from(["email", "push", "sms", "in_app"]), min_size=1, unique=True),
    payload=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4),
)
def test_round_trip(ttl: int | None, channels: list[str], payload: dict[str, object]) -> None:
    original = intent(
        ttl=None if ttl is None else timedelta(seconds=ttl),
        channels=tuple(channels),
        payload=payload,
        event_time=datetime(2026, 6, 10, 14, 0, tzinfo=UTC),
    )
    assert parse_intent(encode_intent(original)) == original


def test_the_campaign_hand_offs_intents_parse_and_render() -> None:
    from marketing.campaigns.intents import campaign_intent
    from marketing.campaigns.loader import default_campaigns_dir, load_campaign
    from serving.templates import TemplateRenderer, load_catalog

    campaign = load_campaign(default_campaigns_dir() / "cart_recovery_push.yaml")
    wire = campaign_intent(
        campaign=campaign,
        run_id="r1",
        user_id="u42",
        variant=campaign.variants[0].name,
        locale="es-ES",
        channels=["push", "in_app"],
        sent_at=datetime(2026, 11, 27, 18, tzinfo=UTC),
        created_at=datetime(2026, 11, 27, 18, tzinfo=UTC),
    ).to_json()
    got = parse_intent(wire)
    assert (got.source, got.priority, got.idempotency_key) == (
        "campaign",
        "marketing",
        "campaign:cart_recovery_push:r1:u42",
    )
    out = TemplateRenderer(load_catalog()).render(
        got, channel="push", recipient=recipient_for("u42", "es-ES"), view=None
    )
    assert out.locale == "es-ES" and out.body.startswith("Los artículos")


def recipient_for(user: str, locale: str) -> Recipient:
    return Recipient(user_id=user, timezone="Europe/Madrid", locale=locale)
