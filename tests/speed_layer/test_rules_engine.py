"""Each kind of rule, end to end through the pipeline with the in-memory store."""

from __future__ import annotations

import json

import pytest

from speed_layer.models import Intent
from speed_layer.rules import RuleSet, parse_rules
from speed_layer.rules.engine import iso_ms
from tests.speed_layer._local import NOW, LocalRun

MIN = 60_000
T = NOW - 5 * 60 * MIN


def keys(intents: list[Intent]) -> list[str]:
    return [i.idempotency_key for i in intents]


def test_risk_alert_compares_with_the_batch_view(rules: RuleSet) -> None:
    run = LocalRun(rules, batch_views={"u1": {"transaction_amount_mean_30d": "20"}})
    small = run.message("u1", "transaction", T, amount=99, merchant="a")
    big = run.message("u1", "transaction", T + MIN, amount=101, merchant="b")
    stranger = run.message("u2", "transaction", T, amount=1e6, merchant="c")  # no batch view
    intents = run.intents([small, big, stranger])
    assert keys(intents) == [f"risk_unusual_transaction:e{2}"]
    intent = intents[0]
    assert intent.payload == {"amount": 101, "merchant": "b", "baseline_mean_30d": 20.0}
    assert (intent.priority, intent.channels, intent.ttl_seconds) == (
        "risk_alert",
        ("push", "sms", "email"),
        900,
    )
    assert intent.user_id == "u1" and intent.source == "trigger"
    assert intent.event_time == iso_ms(T + MIN)
    assert json.loads(intent.to_json())["source_id"] == "risk_unusual_transaction"
    assert Intent.from_json(intent.to_json()) == intent


def test_unreadable_batch_values_are_null(rules: RuleSet) -> None:
    run = LocalRun(rules, batch_views={"u1": {"transaction_amount_mean_30d": "n/a"}})
    assert run.intents([run.message("u1", "transaction", T, amount=1e6, merchant="a")]) == []


def test_event_rule_cooldown_over_the_realtime_view(rules: RuleSet) -> None:
    run = LocalRun(rules)
    burst = [
        run.message("u1", "transaction", T + i * 30_000, amount=1, merchant="m") for i in range(8)
    ]
    later = run.message("u1", "transaction", T + 15 * MIN, amount=1, merchant="m")
    # Split over batches: the cooldown holds across batches (store) and inside one (overlay).
    fired = keys(run.intents(burst[:5])) + keys(run.intents(burst[5:])) + keys(run.intents([later]))
    assert fired == ["transaction_burst:e5"]
    more = [
        run.message("u1", "transaction", T + 16 * MIN + i * 10_000, amount=1, merchant="m")
        for i in range(5)
    ]
    assert keys(run.intents(more)) == [
        "transaction_burst:e13"
    ]  # e9 is in the window; the cooldown has passed


def test_window_rule_fires_once_per_burst(rules: RuleSet) -> None:
    run = LocalRun(rules)
    spaced = [run.message("u1", "login_failure", T + i * 6 * MIN) for i in range(4)]
    assert run.intents(spaced) == []  # never three within ten minutes
    burst = [run.message("u2", "login_failure", T + i * MIN) for i in range(6)]
    intents = run.intents(burst)
    assert keys(intents) == ["repeated_login_failures:e7"]
    assert intents[0].payload == {"failures": 3}


def test_absence_rule_fires_when_nothing_came(rules: RuleSet) -> None:
    run = LocalRun(rules)
    add = run.message("u1", "add_to_cart", T, product_id="p1", category="toys", price=5)
    assert run.intents([add]) == []
    # Event time moves on (another user on the same partition): the timer is due.
    intents = run.intents([run.message("u9", "app_open", T + 31 * MIN)])
    assert keys(intents) == ["cart_abandoned:e1"]
    intent = intents[0]
    assert intent.event_time == iso_ms(T + 30 * MIN)  # the deadline
    assert intent.payload["cart"] == [{"product_id": "p1", "category": "toys", "price": 5}]
    assert intent.payload["cause_event_time"] == iso_ms(T)
    assert run.intents([run.message("u9", "app_open", T + 90 * MIN)]) == []  # fired once


def test_absence_rule_is_cancelled_by_the_awaited_event(rules: RuleSet) -> None:
    run = LocalRun(rules)
    add = run.message("u1", "add_to_cart", T, product_id="p1", category="toys", price=5)
    buy = run.message("u1", "purchase", T + 29 * MIN, order_id="o", amount=5, category="toys")
    assert run.intents([add, buy]) == []
    assert run.store.users["u1"].timers == {}  # cancelled, not just suppressed
    assert run.intents([run.message("u9", "app_open", T + 60 * MIN)]) + run.flush() == []


def test_a_purchase_after_the_deadline_does_not_cancel(rules: RuleSet) -> None:
    run = LocalRun(rules)
    add = run.message("u1", "add_to_cart", T, product_id="p1", category="toys", price=5)
    late = run.message("u1", "purchase", T + 31 * MIN, order_id="o", amount=5, category="toys")
    assert keys(run.intents([add, late])) == ["cart_abandoned:e1"]


def test_a_newer_trigger_supersedes_the_pending_timer(rules: RuleSet) -> None:
    run = LocalRun(rules)
    first = run.message("u1", "add_to_cart", T, product_id="p1", category="toys", price=5)
    second = run.message(
        "u1", "add_to_cart", T + 10 * MIN, product_id="p2", category="toys", price=7
    )
    run.intents([first, second])
    intents = run.flush()
    assert keys(intents) == ["cart_abandoned:e2"]
    assert [i["product_id"] for i in intents[0].payload["cart"]] == ["p1", "p2"]


def test_idle_partitions_fire_by_wall_clock_only_when_idle(rules: RuleSet) -> None:
    run = LocalRun(rules)
    run.intents([run.message("u1", "add_to_cart", T, product_id="p", category="toys", price=1)])
    assert run.intents([]) == []  # busy partition, event time has not reached the deadline
    assert keys(run.flush()) == ["cart_abandoned:e1"]


def test_a_resent_event_is_dropped_not_fired_again(rules: RuleSet) -> None:
    run = LocalRun(rules, batch_views={"u1": {"transaction_amount_mean_30d": "20"}})
    big = run.message("u1", "transaction", T, amount=500, merchant="b", event_id="tx1")
    again = run.message("u1", "transaction", T, amount=500, merchant="b", event_id="tx1")
    first, second = run.process([big]), run.process([again])
    assert keys(first.intents) == ["risk_unusual_transaction:tx1"]
    assert (second.intents, second.duplicates) == ([], 1)


def test_invalid_messages_become_dead_letters_with_their_source(rules: RuleSet) -> None:
    run = LocalRun(rules)
    good = run.message("u1", "app_open", T)
    from speed_layer.models import SourceMessage

    bad = SourceMessage("events", 0, 41, b"u1", b"{oops")
    out = run.process([good, bad])
    assert [(d.message.offset, d.reason) for d in out.dead_letters] == [(41, "bad_json")]
    headers = dict(out.dead_letters[0].headers())
    assert headers["clarion.source.offset"] == b"41"
    assert out.next_offsets == {0: 42}


def test_event_errors_follow_the_policy(rules: RuleSet) -> None:
    from speed_layer.error_policy import ErrorPolicy

    bad_rules = parse_rules("""
version: 1
rules:
  - id: boom
    kind: event
    on: [app_open]
    priority: triggered
    channels: [push]
""")
    run = LocalRun(bad_rules)

    def explode(*_: object) -> None:
        raise RuntimeError("a bug")

    run.processor.engine.decide = explode  # type: ignore[method-assign]
    out = run.process([run.message("u1", "app_open", T)])
    assert [d.reason for d in out.dead_letters] == ["processing_error"]
    run.processor.policy = ErrorPolicy(on_event_error="skip")
    assert run.process([run.message("u1", "app_open", T)]).dead_letters == []
    run.processor.policy = ErrorPolicy(on_event_error="fail")
    with pytest.raises(RuntimeError):
        run.process([run.message("u1", "app_open", T)])
