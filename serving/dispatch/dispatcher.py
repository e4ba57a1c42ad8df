"""The decision core: one function every send passes through.

Order of the steps (the first that objects decides; nothing before step 6
spends any budget):

1. **dedupe** — claim the idempotency key as a short lease. Already sent:
   suppress ``duplicate``. Leased by another dispatcher right now: defer
   ``in_flight`` until the lease ends.
2. **staleness** — older than its TTL: suppress ``stale``.
3. **opt-out, consent, reachability** — the first preferred channel that is
   consented and has a contact point; else suppress ``opted_out``,
   ``no_consent`` or ``unreachable``. No priority bypasses this.
4. **timing** — ``send_after`` in the future: defer ``scheduled``; inside the
   user's local quiet hours (triggered and marketing only): defer
   ``quiet_hours`` to the first allowed instant. A deferral that would land
   after the intent expires is suppressed as ``stale`` now instead.
5. **overload shedding** — marketing first, then triggered; never
   transactional: suppress ``shed_overload``.
6. **rate limit** — take a token from the channel's shared bucket; none left:
   defer ``rate_limited`` by the bucket's wait.
7. **frequency caps** — atomically check every rolling window and record the
   send (triggered, marketing); risk alerts are recorded without being
   blocked; transactional is neither. Over a cap: suppress
   ``frequency_capped`` and give the token back.
8. **commit** — confirm the idempotency lease as sent: ``send``.

Idempotency versus deferral: the key is only a *lease* until the very end. Any
outcome other than ``send`` releases it, so a deferred intent comes back later
and is decided afresh, and a suppressed one never blocks a later legitimate
submission. Only a send makes the key permanent, kept at least until the
intent would be stale, so a replay is always caught as ``duplicate`` or
``stale``: at most one send per key. Budget is spent last: the token is
refunded if the caps refuse, and the cap entry is keyed by the idempotency key,
so a retried decision re-records nothing. If the lease lapsed mid-decision and
another dispatcher took the key, the commit fails and this one reports
``duplicate`` (its cap entry is shared with the winner's, by key).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import JsonValue

from clarion.events import Channel
from serving.dispatch.checks.caps import effective_caps, ledger_retention
from serving.dispatch.checks.consent import choose_channel
from serving.dispatch.checks.freshness import Freshness, check_freshness
from serving.dispatch.checks.shedding import LoadSignal, check_shedding
from serving.dispatch.checks.timing import earliest_delivery
from serving.dispatch.decision import REASON_OUTCOME, Decision, Reason
from serving.dispatch.exceptions import DispatchError
from serving.dispatch.intent import Intent, Recipient
from serving.dispatch.policy import DispatchPolicy
from serving.dispatch.priority import cap_mode
from serving.dispatch.state.base import DispatchStores

__all__ = ["decide"]


class _Trail:
    """Collects the facts each step looked at and turns them into the decision."""

    def __init__(self, intent: Intent, *, now: datetime, policy: DispatchPolicy) -> None:
        self.intent = intent
        self.now = now
        self.policy = policy
        self.channel: Channel | None = None
        self.inputs: dict[str, JsonValue] = {}

    def decision(self, reason: Reason, deliver_at: datetime | None = None) -> Decision:
        return Decision(
            intent_id=self.intent.intent_id,
            user_id=self.intent.user_id,
            idempotency_key=self.intent.idempotency_key,
            priority=self.intent.priority,
            outcome=REASON_OUTCOME[reason],
            reason=reason,
            channel=self.channel,
            decided_at=self.now,
            deliver_at=deliver_at,
            policy_version=self.policy.version,
            inputs=self.inputs,
        )

    def defer(self, reason: Reason, deliver_at: datetime, fresh: Freshness | None) -> Decision:
        """Defer, unless the intent would be stale by then: then suppress it now."""
        if fresh is not None and deliver_at > fresh.expires_at:
            self.inputs["deferral"] = {"would_defer_to": deliver_at.isoformat(), "by": reason}
            return self.decision("stale")
        return self.decision(reason, deliver_at)


def decide(
    intent: Intent,
    recipient: Recipient,
    *,
    now: datetime,
    policy: DispatchPolicy,
    stores: DispatchStores,
    load: LoadSignal,
) -> Decision:
    """Send now, defer (to ``deliver_at``) or suppress (with a reason); see the module docs.

    Raises:
        DispatchError: ``now`` is naive or the recipient is not the intent's user.
    """
    if now.tzinfo is None:
        raise DispatchError("now must be timezone-aware (UTC)")
    if recipient.user_id != intent.user_id:
        raise DispatchError(
            f"recipient {recipient.user_id!r} is not the intent's user {intent.user_id!r}"
        )
    trail = _Trail(intent, now=now, policy=policy)
    owner = f"{intent.intent_id}:{uuid.uuid4().hex}"
    claim = stores.idempotency.claim(
        user_id=intent.user_id,
        key=intent.idempotency_key,
        owner=owner,
        lease=policy.idempotency.lease,
        now=now,
    )
    trail.inputs["idempotency"] = {"claim": claim.status}
    if claim.status == "sent":
        return trail.decision("duplicate")
    if claim.status == "in_flight":
        return trail.decision("in_flight", now + (claim.retry_after or policy.idempotency.lease))
    sent = False
    try:
        decision = _decide_claimed(intent, recipient, trail, stores=stores, load=load, owner=owner)
        sent = decision.outcome == "send"
        return decision
    finally:
        if not sent:
            stores.idempotency.release(
                user_id=intent.user_id, key=intent.idempotency_key, owner=owner, now=now
            )


def _decide_claimed(
    intent: Intent,
    recipient: Recipient,
    trail: _Trail,
    *,
    stores: DispatchStores,
    load: LoadSignal,
    owner: str,
) -> Decision:
    now, policy = trail.now, trail.policy
    fresh = check_freshness(intent, now=now, defaults=policy.ttl)
    trail.inputs["freshness"] = fresh.facts()
    if fresh.stale:
        return trail.decision("stale")

    choice = choose_channel(intent, recipient)
    trail.inputs["consent"] = {"opted_out": recipient.opted_out, **choice.facts()}
    if choice.refusal is not None or choice.channel is None:
        return trail.decision(choice.refusal or "no_consent")
    channel = trail.channel = choice.channel

    timing = earliest_delivery(intent, recipient, now=now, quiet_hours=policy.quiet_hours)
    trail.inputs["timing"] = timing.facts
    if timing.deliver_at is not None and timing.reason is not None:
        return trail.defer(timing.reason, timing.deliver_at, fresh)

    shed = check_shedding(intent.priority, load, policy.shedding)
    trail.inputs["shedding"] = shed.facts()
    if shed.shed:
        return trail.decision("shed_overload")

    limit = policy.rate_limits.get(channel)
    if limit is not None:
        grant = stores.buckets.acquire(channel, rate=limit.per_second, burst=limit.burst, now=now)
        trail.inputs["rate_limit"] = {
            "per_second": limit.per_second,
            "burst": limit.burst,
            "granted": grant.granted,
            "tokens_left": grant.tokens_left,
            "wait_seconds": grant.wait.total_seconds(),
        }
        if not grant.granted:
            return trail.defer("rate_limited", now + grant.wait, fresh)

    def give_token_back() -> None:
        if limit is not None:
            stores.buckets.refund(channel, rate=limit.per_second, burst=limit.burst, now=now)

    mode = cap_mode(intent.priority)
    retention = ledger_retention(policy, recipient)
    caps_facts: dict[str, JsonValue] = {
        "mode": mode,
        "override": recipient.cap_override is not None,
    }
    trail.inputs["caps"] = caps_facts
    if mode != "exempt" and retention is not None:
        verdict = stores.caps.check_and_record(
            user_id=intent.user_id,
            entry_id=intent.idempotency_key,
            at=now,
            caps=effective_caps(policy, recipient),
            mode=mode,
            retention=retention,
        )
        caps_facts.update(verdict.facts())
        if not verdict.allowed:
            give_token_back()
            return trail.decision("frequency_capped")

    retain = max(policy.idempotency.retention, fresh.expires_at - now, timedelta(seconds=1))
    if not stores.idempotency.confirm(
        user_id=intent.user_id, key=intent.idempotency_key, owner=owner, retain=retain, now=now
    ):
        trail.inputs["idempotency"] = {"claim": "claimed", "confirm": "lost_to_another_dispatcher"}
        give_token_back()
        return trail.decision("duplicate")
    return trail.decision("sent")
