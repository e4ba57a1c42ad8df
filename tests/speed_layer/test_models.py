"""The intent's wire format and the consumer options."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from clarion.settings import load_settings
from speed_layer.models import Intent, idempotency_key, intent_id
from speed_layer.options import ConsumerOptions


def test_intent_json_round_trip_and_wire_fields() -> None:
    key = idempotency_key("cart_abandoned", "e-1")
    intent = Intent(
        intent_id=intent_id(key),
        user_id="u1",
        source_id="cart_abandoned",
        priority="triggered",
        channels=("push", "email"),
        payload={"n": 1},
        idempotency_key=key,
        event_time="2026-01-01T00:30:00.000Z",
        created_at="2026-01-01T00:31:00.000Z",
        ttl_seconds=3600,
    )
    doc = json.loads(intent.to_json())
    assert set(doc) == {
        "intent_id",
        "user_id",
        "source",
        "source_id",
        "priority",
        "channels",
        "payload",
        "idempotency_key",
        "event_time",
        "created_at",
        "ttl_seconds",
    }
    assert doc["source"] == "trigger" and doc["channels"] == ["push", "email"]
    assert Intent.from_json(intent.to_json()) == intent
    assert intent.key() == b"u1"
    assert intent_id(key) == intent.intent_id  # deterministic: replays give the same id
    newer = Intent.from_json(json.dumps({**doc, "send_after": None}))
    assert newer.extra == {"send_after": None} and newer == intent


def test_options_come_from_the_settings() -> None:
    settings = load_settings(
        environ={"CLARION_KAFKA__EVENTS_TOPIC": "ev", "CLARION_REDIS__KEY_PREFIX": "pfx"}
    )
    options = ConsumerOptions.from_settings(
        settings, group_id="g", idle_timer_after="1s", batch_size=None
    )
    assert (options.events_topic, options.key_prefix, options.group_id) == ("ev", "pfx", "g")
    assert options.idle_timer_after == timedelta(seconds=1)
    assert options.batch_size == 1000
    assert options.transactional_id == f"g.{options.instance_id}"
    with pytest.raises(ValueError):
        ConsumerOptions.from_settings(settings, batch_size=0)
    with pytest.raises(ValueError):
        ConsumerOptions.from_settings(settings, no_such_option=1)
    with pytest.raises(ValueError, match="frozen"):
        options.batch_size = 3  # type: ignore[misc]
