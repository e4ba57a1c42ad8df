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
   ``frequency_capped`` and give the token back. A campaign intent's own caps
   (``Intent.campaign_caps``, counted over that campaign's sends) are checked in
   the same atomic step, on top of the global ones: over one of them only,
   suppress ``campaign_capped``.
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import JsonValue

from clarion.events import Channel
from serving.dispatch.checks.caps import effective_caps, ledger_retention, longest_window
from serving.dispatch.checks.consent import choose_channel
from serving.dispatch.checks.freshness import Freshness, check_freshness
from serving.dispatch.checks.shedding import LoadSignal, check_shedding
from serving.dispatch.checks.timing import earliest_delivery
from serving.dispatch.decision import REASON_OUTCOME, Decision, Reason
from serving.dispatch.exceptions import DispatchError
from serving.dispatch.intent import Intent, Recipient
from serving.dispatch.policy import DispatchPolicy, FrequencyCap, RateLimit
from serving.dispatch.priority import CapMode, cap_mode
from serving.dispatch.state.base import BucketRequest, CapRequest, DispatchStores, KeyRequest

__all__ = ["decide", "decide_many", "make_owner", "owner_time"]


def make_owner(intent_id: str, now: datetime) -> str:
    """A fresh lease owner that carries the decision time: ``<intent id>:<hex>@<epoch ms>``.

    The sent mark keeps the owner, so a later duplicate learns when the key was sent
    (the runtime uses it to tell a finished send from one whose effects were lost).
    """
    return f"{intent_id}:{uuid.uuid4().hex}@{round(now.timestamp() * 1000)}"


def owner_time(owner: str | None) -> datetime | None:
    """The decision time carried by :func:`make_owner`, or None for any other owner.

    >>> owner_time("i-1:ab@1781103600000").isoformat()
    '2026-06-10T15:00:00+00:00'
    """
    stamp = (owner or "").rpartition("@")[2]
    if not stamp.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)


class _Trail:
    """Collects the facts each step looked at and turns them into the decision."""

    def __init__(self, intent: Intent, *, now: datetime, policy: DispatchPolicy) -> None:
        self.intent = intent
        self.now = now
        self.policy = policy
        self.channel: Channel | None = None
        self.inputs: dict[str, JsonValue] = {}

    def decision(self, reason: Reason, deliver_at: datetime | None = None) -> Decision:
        # Built from checked parts, so only the cross-field rules are re-checked: a full
        # validation of the JSON inputs cost ~10% of a campaign batch (bench_dispatch.py).
        return Decision.trusted(
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
    return decide_many([(intent, recipient)], now=now, policy=policy, stores=stores, load=load)[0]


@dataclass
class _Case:
    """One intent on its way through the steps; ``decision`` is set by the first objection."""

    intent: Intent
    recipient: Recipient
    trail: _Trail
    owner: str
    claimed: bool = False
    decision: Decision | None = None
    fresh: Freshness | None = None
    limit: RateLimit | None = None
    token: bool = False
    caps: tuple[FrequencyCap, ...] = ()
    mode: CapMode = "exempt"
    retention: timedelta | None = None

    @property
    def open(self) -> bool:
        return self.decision is None

    def bucket(self) -> BucketRequest:
        assert self.limit is not None and self.trail.channel is not None
        return BucketRequest(self.trail.channel, self.limit.per_second, self.limit.burst)


def decide_many(
    pairs: Sequence[tuple[Intent, Recipient]],
    *,
    now: datetime,
    policy: DispatchPolicy,
    stores: DispatchStores,
    load: LoadSignal,
) -> list[Decision]:
    """:func:`decide` for many intents at once, in the same order of steps for each.

    Every step that touches the stores is one batch call (one round trip in Redis)
    for all intents still undecided, so a batch costs at most six round trips
    whatever its size. Each store operation stays atomic on its own, so concurrent
    dispatchers, and intents of one user in one batch, keep every guarantee.

    Raises:
        DispatchError: ``now`` is naive or a recipient is not its intent's user.
    """
    if now.tzinfo is None:
        raise DispatchError("now must be timezone-aware (UTC)")
    for intent, recipient in pairs:
        if recipient.user_id != intent.user_id:
            raise DispatchError(
                f"recipient {recipient.user_id!r} is not the intent's user {intent.user_id!r}"
            )
    cases = [
        _Case(i, r, _Trail(i, now=now, policy=policy), make_owner(i.intent_id, now))
        for i, r in pairs
    ]
    try:
        _claim(cases, now=now, policy=policy, stores=stores)
        for case in cases:
            if case.open:
                _pure_steps(case, load=load)
        _rate_limit(cases, now=now, stores=stores)
        _frequency_caps(cases, now=now, stores=stores)
        _commit(cases, now=now, policy=policy, stores=stores)
    finally:
        _release(cases, now=now, stores=stores)
    decisions = [case.decision for case in cases]
    assert all(d is not None for d in decisions)  # every path ends in a decision
    return [d for d in decisions if d is not None]


def _key(case: _Case, ttl: timedelta = timedelta(seconds=1)) -> KeyRequest:
    return KeyRequest(case.intent.user_id, case.intent.idempotency_key, case.owner, ttl)


def _claim(
    cases: list[_Case], *, now: datetime, policy: DispatchPolicy, stores: DispatchStores
) -> None:
    lease = policy.idempotency.lease
    claims = stores.idempotency.claim_many([_key(c, lease) for c in cases], now=now)
    for case, claim in zip(cases, claims, strict=True):
        trail = case.trail
        trail.inputs["idempotency"] = {"claim": claim.status}
        if claim.status == "sent":
            sent_at = owner_time(claim.holder)
            if sent_at is not None:
                trail.inputs["idempotency"] = {"claim": "sent", "sent_at": sent_at.isoformat()}
            case.decision = trail.decision("duplicate")
        elif claim.status == "in_flight":
            case.decision = trail.decision("in_flight", now + (claim.retry_after or lease))
        else:
            case.claimed = True


def _pure_steps(case: _Case, *, load: LoadSignal) -> None:
    """Staleness, consent and reachability, timing, shedding: no store is touched."""
    intent, recipient, trail = case.intent, case.recipient, case.trail
    now, policy = trail.now, trail.policy
    fresh = case.fresh = check_freshness(intent, now=now, defaults=policy.ttl)
    trail.inputs["freshness"] = fresh.facts()
    if fresh.stale:
        case.decision = trail.decision("stale")
        return
    choice = choose_channel(intent, recipient)
    trail.inputs["consent"] = {"opted_out": recipient.opted_out, **choice.facts()}
    if choice.refusal is not None or choice.channel is None:
        case.decision = trail.decision(choice.refusal or "no_consent")
        return
    trail.channel = choice.channel
    timing = earliest_delivery(intent, recipient, now=now, quiet_hours=policy.quiet_hours)
    trail.inputs["timing"] = timing.facts
    if timing.deliver_at is not None and timing.reason is not None:
        case.decision = trail.defer(timing.reason, timing.deliver_at, fresh)
        return
    shed = check_shedding(intent.priority, load, policy.shedding)
    trail.inputs["shedding"] = shed.facts()
    if shed.shed:
        case.decision = trail.decision("shed_overload")
        return
    case.limit = policy.rate_limits.get(choice.channel)
    case.mode = cap_mode(intent.priority)
    case.retention = ledger_retention(policy, recipient)
    case.caps = tuple(effective_caps(policy, recipient))


def _rate_limit(cases: list[_Case], *, now: datetime, stores: DispatchStores) -> None:
    asking = [c for c in cases if c.open and c.limit is not None]
    grants = stores.buckets.acquire_many([c.bucket() for c in asking], now=now)
    for case, grant in zip(asking, grants, strict=True):
        assert case.limit is not None
        case.trail.inputs["rate_limit"] = {
            "per_second": case.limit.per_second,
            "burst": case.limit.burst,
            "granted": grant.granted,
            "tokens_left": grant.tokens_left,
            "wait_seconds": grant.wait.total_seconds(),
        }
        if grant.granted:
            case.token = True
        else:
            case.decision = case.trail.defer("rate_limited", now + grant.wait, case.fresh)


def _frequency_caps(cases: list[_Case], *, now: datetime, stores: DispatchStores) -> None:
    counted: list[_Case] = []
    for case in (c for c in cases if c.open):
        facts: dict[str, JsonValue] = {
            "mode": case.mode,
            "override": case.recipient.cap_override is not None,
        }
        case.trail.inputs["caps"] = facts
        if case.mode != "exempt" and (case.retention or case.intent.campaign_caps):
            counted.append(case)
    requests = [_cap_request(c, now) for c in counted]
    for case, verdict in zip(counted, stores.caps.check_and_record_many(requests), strict=True):
        facts_now = case.trail.inputs["caps"]
        assert isinstance(facts_now, dict)
        facts_now.update(verdict.facts())
        refusal = verdict.refusal()
        if refusal is not None:
            case.decision = case.trail.decision(refusal)


def _cap_request(case: _Case, now: datetime) -> CapRequest:
    """The ledger request of a counted case: global caps, and a campaign's own caps."""
    intent = case.intent
    own = intent.campaign_caps if intent.source == "campaign" else ()
    retention = case.retention or longest_window(own)
    assert retention is not None  # counted cases have a cap of some kind
    return CapRequest(
        intent.user_id,
        intent.idempotency_key,
        now,
        case.caps,
        case.mode,
        retention,
        campaign_id=intent.source_id if own else None,
        campaign_caps=own,
    )


def _commit(
    cases: list[_Case], *, now: datetime, policy: DispatchPolicy, stores: DispatchStores
) -> None:
    ready = [c for c in cases if c.open]
    requests = []
    for case in ready:
        assert case.fresh is not None
        retain = max(
            policy.idempotency.retention, case.fresh.expires_at - now, timedelta(seconds=1)
        )
        requests.append(_key(case, retain))
    for case, ok in zip(ready, stores.idempotency.confirm_many(requests, now=now), strict=True):
        if ok:
            case.decision = case.trail.decision("sent")
        else:
            case.trail.inputs["idempotency"] = {
                "claim": "claimed",
                "confirm": "lost_to_another_dispatcher",
            }
            case.decision = case.trail.decision("duplicate")


def _release(cases: list[_Case], *, now: datetime, stores: DispatchStores) -> None:
    """Give back the token of every taken-but-unsent case, and every lease not sent."""
    unsent = [c for c in cases if c.decision is None or c.decision.outcome != "send"]
    stores.buckets.refund_many([c.bucket() for c in unsent if c.token], now=now)
    stores.idempotency.release_many([_key(c) for c in unsent if c.claimed], now=now)
