"""Plan one work item: render, decide, and turn the decision into the effects it needs.

The order per intent:

1. **render first** for the channel the decision would pick (consent and
   reachability are pure, so the choice is known before any budget is spent).
   A render error suppresses the intent as ``template_error``: no idempotency
   key, cap entry or token is taken for a send that cannot happen.
2. :func:`~serving.dispatch.decide` the intent.
3. a ``duplicate`` whose first send never confirmed its effects (the dispatcher
   that sent it died between deciding and making its effects durable) is
   **redone** once ``settle`` has passed since that send: the same decision
   time, channel and notification id, so every effect is an upsert of the
   first attempt's and nothing is lost. Before ``settle`` it is deferred as
   ``in_flight``: the first dispatcher may still be finishing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from clarion.events import Channel
from serving.dispatch.checks.consent import choose_channel
from serving.dispatch.checks.shedding import LoadSignal
from serving.dispatch.decision import Decision
from serving.dispatch.dispatcher import decide_many
from serving.dispatch.intent import Intent, Recipient
from serving.dispatch.policy import DispatchPolicy
from serving.dispatch.runtime.work import Planned, WorkItem
from serving.dispatch.state.base import DispatchStores
from serving.outbound import OutboundMessage, notification_id
from serving.templates import Rendered, TemplateRenderer, TemplateRenderError
from serving.view.merged import MergedView

__all__ = ["Facts", "Planner"]

# Payload fields for the dispatcher only (rendering, the campaign's own caps, enforced by
# the decision); the rest travels with the message.
_RENDER_ONLY = ("template", "template_id", "default_locale", "caps")


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about the recipient: the decision's facts and the view to personalise."""

    recipient: Recipient
    view: MergedView | None


# (user id, idempotency key) pairs -> whether each one's send effects are confirmed.
EffectsDone = Callable[[Sequence[tuple[str, str]]], list[bool]]


class Planner:
    def __init__(
        self,
        *,
        policy: DispatchPolicy,
        stores: DispatchStores,
        renderer: TemplateRenderer,
        settle: timedelta,
    ) -> None:
        self.policy = policy
        self.stores = stores
        self.renderer = renderer
        self.settle = settle

    def plan_many(
        self,
        items: Sequence[WorkItem],
        facts: Mapping[str, Facts],
        *,
        now: datetime,
        load: LoadSignal,
        effects_done: EffectsDone,
    ) -> list[Planned]:
        """One :class:`Planned` per item, in order; the decisions are taken in one batch."""
        out: list[Planned | None] = [None] * len(items)
        rendered: dict[int, tuple[Channel, Rendered]] = {}
        to_decide: list[int] = []
        for n, item in enumerate(items):
            intent, user = item.intent, facts[item.intent.user_id]
            channel = choose_channel(intent, user.recipient).channel
            if channel is not None:
                try:
                    rendered[n] = (channel, self._render(intent, channel, user))
                except TemplateRenderError as exc:
                    error = self._template_error(intent, channel, str(exc), now)
                    out[n] = Planned(item, error)
                    continue
            to_decide.append(n)
        decisions = decide_many(
            [(items[n].intent, facts[items[n].intent.user_id].recipient) for n in to_decide],
            now=now,
            policy=self.policy,
            stores=self.stores,
            load=load,
        )
        duplicates = [
            (n, d) for n, d in zip(to_decide, decisions, strict=True) if d.reason == "duplicate"
        ]
        done = effects_done(
            [(items[n].intent.user_id, items[n].intent.idempotency_key) for n, _ in duplicates]
        )
        done_of = {n: ok for (n, _), ok in zip(duplicates, done, strict=True)}
        for n, decision in zip(to_decide, decisions, strict=True):
            item, user = items[n], facts[items[n].intent.user_id]
            first = rendered.get(n)
            if decision.reason == "sent" and decision.channel is not None:
                text = first[1] if first and first[0] == decision.channel else None
                text = text or self._render(item.intent, decision.channel, user)
                out[n] = Planned(
                    item, decision, self._message(item.intent, decision, user.recipient, text)
                )
            elif decision.reason == "duplicate" and not done_of[n]:
                out[n] = self._after_duplicate(item, decision, user, first, now)
            else:
                out[n] = Planned(item, decision)
        return [p for p in out if p is not None]

    def _render(self, intent: Intent, channel: Channel, facts: Facts) -> Rendered:
        return self.renderer.render(
            intent, channel=channel, recipient=facts.recipient, view=facts.view
        )

    def _after_duplicate(
        self,
        item: WorkItem,
        decision: Decision,
        facts: Facts,
        first: tuple[Channel, Rendered] | None,
        now: datetime,
    ) -> Planned:
        """A duplicate whose effects were never confirmed: wait for its sender, or redo it."""
        intent = item.intent
        idem = decision.inputs.get("idempotency")
        sent_text = idem.get("sent_at") if isinstance(idem, dict) else None
        if not isinstance(sent_text, str):
            return Planned(item, decision)
        sent_at = datetime.fromisoformat(sent_text)
        if now - sent_at < self.settle:
            wait_until = max(sent_at + self.settle, now + timedelta(milliseconds=1))
            inputs = {**decision.inputs, "effects": "unconfirmed; waiting for the first sender"}
            pending = decision.model_copy(
                update={
                    "outcome": "defer",
                    "reason": "in_flight",
                    "deliver_at": wait_until,
                    "inputs": inputs,
                }
            )
            return Planned(item, pending)
        if first is None:
            return Planned(item, decision)  # consent withdrawn since: do not re-send
        channel, rendered = first
        redo = decision.model_copy(
            update={
                "outcome": "send",
                "reason": "sent",
                "channel": channel,
                "decided_at": sent_at,
                "inputs": {**decision.inputs, "effects": "redone after the first sender died"},
            }
        )
        message = self._message(intent, redo, facts.recipient, rendered)
        return Planned(item, redo, message, redo=True)

    def _template_error(self, intent: Intent, channel: str, detail: str, now: datetime) -> Decision:
        return Decision.model_validate(
            {
                "intent_id": intent.intent_id,
                "user_id": intent.user_id,
                "idempotency_key": intent.idempotency_key,
                "priority": intent.priority,
                "outcome": "suppress",
                "reason": "template_error",
                "channel": channel,
                "decided_at": now,
                "policy_version": self.policy.version,
                "inputs": {"template": {"error": detail[:2000]}},
            }
        )

    def _message(
        self, intent: Intent, decision: Decision, recipient: Recipient, rendered: Rendered
    ) -> OutboundMessage:
        channel = decision.channel
        assert channel is not None  # a send names its channel
        variant = intent.payload.get("variant")
        return OutboundMessage(
            notification_id=notification_id(intent.user_id, intent.idempotency_key),
            intent_id=intent.intent_id,
            idempotency_key=intent.idempotency_key,
            user_id=intent.user_id,
            channel=channel,
            address=recipient.contacts[channel],
            locale=rendered.locale,
            subject=rendered.subject,
            body=rendered.body,
            data={k: v for k, v in intent.payload.items() if k not in _RENDER_ONLY},
            source=intent.source,
            source_id=intent.source_id,
            priority=intent.priority,
            variant=variant if isinstance(variant, str) else None,
            decided_at=decision.decided_at,
            expires_at=intent.expires_at(self.policy.ttl.for_priority(intent.priority)),
        )
