"""The planner on in-memory stores: render before spending, redo a send whose effects were lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from serving.dispatch import Intent, memory_stores
from serving.dispatch.runtime import Facts, Planned, Planner, WorkItem
from serving.dispatch.runtime.planner import EffectsDone
from serving.dispatch.wire import encode_intent
from serving.templates import TemplateRenderer, load_catalog

from ..builders import CALM, T0, intent, policy, recipient

SETTLE = timedelta(seconds=30)
TEMPLATE = {"push": {"en": {"subject": "Hi", "body": "Hello {{ user.id }}"}}}


def _planner() -> Planner:
    return Planner(
        policy=policy(quiet_hours=None),
        stores=memory_stores(),
        renderer=TemplateRenderer(load_catalog()),
        settle=SETTLE,
    )


def _item(i: Intent) -> WorkItem:
    return WorkItem(i, encode_intent(i), "kafka")


def _done(answer: bool) -> EffectsDone:
    def lookup(pairs: Sequence[tuple[str, str]]) -> list[bool]:
        return [answer for _ in pairs]

    return lookup


FACTS = {"u1": Facts(recipient=recipient(), view=None)}


def _plan(planner: Planner, i: Intent, *, at: datetime = T0, done: bool = True) -> Planned:
    items = [_item(i)]
    [planned] = planner.plan_many(items, FACTS, now=at, load=CALM, effects_done=_done(done))
    return planned


def test_a_send_carries_the_rendered_message() -> None:
    p = _plan(_planner(), intent(payload={"template": TEMPLATE, "variant": "b"}))
    assert p.decision.reason == "sent" and p.message is not None
    assert (p.message.channel, p.message.address, p.message.body) == (
        "push",
        "token-u1",
        "Hello u1",
    )
    assert p.message.variant == "b" and "template" not in p.message.data
    assert p.message.decided_at == p.decision.decided_at == T0


def test_a_render_error_suppresses_without_spending_anything() -> None:
    planner = _planner()
    broken = intent(payload={"template": {"push": {"en": {"body": "{{ nope }}"}}}})
    p = _plan(planner, broken)
    assert (p.decision.outcome, p.decision.reason, p.message) == (
        "suppress",
        "template_error",
        None,
    )
    assert "nope" in str(p.decision.inputs["template"])
    caps = planner.policy.caps
    assert planner.stores.caps.counts(user_id="u1", at=T0, caps=caps) == (0, 0)
    fixed = intent(payload={"template": TEMPLATE})  # same idempotency key: not taken
    again = _plan(planner, fixed)
    assert again.decision.reason == "sent"


def test_a_send_whose_effects_were_lost_waits_then_is_redone_identically() -> None:
    planner = _planner()
    i = intent(payload={"template": TEMPLATE})
    first = _plan(planner, i, at=T0, done=False)
    assert first.message is not None
    # The first dispatcher died before confirming. Soon after: wait for it.
    soon = T0 + timedelta(seconds=5)
    waiting = _plan(planner, i, at=soon, done=False)
    assert (waiting.decision.reason, waiting.decision.deliver_at) == ("in_flight", T0 + SETTLE)
    assert waiting.message is None
    # Once settled: the same send again, same time, same notification id.
    later = T0 + SETTLE + timedelta(seconds=1)
    redo = _plan(planner, i, at=later, done=False)
    assert redo.redo and redo.decision.reason == "sent" and redo.message is not None
    assert redo.decision.decided_at == T0
    assert redo.message.model_dump() == first.message.model_dump()
    # Confirmed effects: a plain duplicate, nothing re-sent.
    dup = _plan(planner, i, at=later, done=True)
    assert (dup.decision.reason, dup.message) == ("duplicate", None)


def test_a_batch_keeps_order_and_caps_within_one_user() -> None:
    planner = _planner()
    items = [
        _item(intent(intent_id=f"i{n}", idempotency_key=f"k{n}", payload={"template": TEMPLATE}))
        for n in range(5)
    ]
    planned = planner.plan_many(items, FACTS, now=T0, load=CALM, effects_done=_done(True))
    assert [p.item.intent.intent_id for p in planned] == [f"i{n}" for n in range(5)]
    assert [p.decision.reason for p in planned].count("sent") == 3  # the 24h cap of 3
