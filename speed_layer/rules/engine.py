"""Rule evaluation: pure functions of an event, the view as of it and the batch view.

The engine says which timers an event starts (:meth:`RuleEngine.prepare`), which rules
fire on it (:meth:`RuleEngine.decide`) and whether a due timer fires
(:meth:`RuleEngine.decide_timer`). It does no I/O, so a replay with the same view makes
the same decisions; the idempotency key is the rule id and the cause event id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from feature_store import FeatureRegistry
from speed_layer.models.events import ValidEvent
from speed_layer.models.intent import Intent, idempotency_key, intent_id
from speed_layer.rules.model import AbsenceRule, EventRule, Rule, RuleSet, WindowRule
from speed_layer.rules.names import coerce_batch
from speed_layer.rules.plan import ViewPlan
from speed_layer.state.base import (
    EventView,
    EventWrite,
    Firing,
    ScheduledTimer,
    Timer,
    TimerCheck,
    TimerState,
)

__all__ = ["BatchFirings", "Fired", "RuleEngine", "iso_ms"]


def iso_ms(ms: int) -> str:
    """``2026-01-01T00:00:00.000Z`` for milliseconds since the epoch."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Fired:
    """A rule fired: everything the intent needs except the wall-clock ``created_at``."""

    rule: Rule
    user_id: str
    cause_event_ids: tuple[str, ...]
    event_time_ms: int
    payload: dict[str, Any]

    def intent(self, now_ms: int) -> Intent:
        key = idempotency_key(self.rule.id, *self.cause_event_ids)
        return Intent(
            intent_id=intent_id(key),
            user_id=self.user_id,
            source_id=self.rule.id,
            priority=self.rule.priority,
            channels=self.rule.channels,
            payload=self.payload,
            idempotency_key=key,
            event_time=iso_ms(self.event_time_ms),
            created_at=iso_ms(now_ms),
            ttl_seconds=self.rule.ttl_seconds,
        )


@dataclass
class BatchFirings:
    """Firings decided in the current batch, not yet in the store: cooldowns see them too."""

    by_user_rule: dict[tuple[str, str], list[tuple[int, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def cooling(self, user_id: str, rule_id: str, ts_ms: int, cause: str, cooldown: int) -> bool:
        return any(
            abs(ts - ts_ms) < cooldown and c != cause
            for ts, c in self.by_user_rule.get((user_id, rule_id), ())
        )

    def add(self, firing: Firing) -> None:
        self.by_user_rule[(firing.user_id, firing.rule_id)].append(
            (firing.ts_ms, firing.cause_event_id)
        )


def event_context(event: ValidEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "user_id": event.user_id,
        "type": event.type,
        "ts": event.ts_ms / 1000,
        "properties": event.properties,
    }


class RuleEngine:
    """Evaluates a :class:`RuleSet` against views planned by :func:`build_plan`."""

    def __init__(self, rules: RuleSet, plan: ViewPlan, features: FeatureRegistry) -> None:
        self.rules, self.plan, self.features = rules, plan, features

    def needs_batch(self, event_type: str) -> bool:
        return bool(self.plan.batch_names.get(event_type))

    def batch_values(self, event_type: str, raw: Mapping[str, str] | None) -> dict[str, Any]:
        return coerce_batch(self.features, raw, self.plan.batch_names.get(event_type, ()))

    def prepare(
        self, event: ValidEvent, *, ref: str, partition: int, batch: Mapping[str, Any]
    ) -> EventWrite:
        """The write for ``event``: its view request and the timers its absence rules start."""
        request = self.plan.request(event.type)
        if not request.starts_timers:
            return EventWrite(event, ref, partition, request)
        timers = []
        context = {"event": event_context(event), "batch": batch}
        for rule in self.rules.triggered_by(event.type):
            if isinstance(rule, AbsenceRule) and rule.holds(context):
                timer = Timer(
                    rule.id,
                    event.user_id,
                    event.event_id,
                    event.ts_ms,
                    event.ts_ms + rule.within_ms,
                )
                timers.append(ScheduledTimer(timer, rule.render_payload(context)))
        return EventWrite(event, ref, partition, request, tuple(timers))

    def decide(
        self, event: ValidEvent, view: EventView, batch: Mapping[str, Any], recent: BatchFirings
    ) -> list[tuple[Fired, Firing | None]]:
        """The event and window rules that fire on ``event`` (with cooldown records)."""
        rules = self.rules.triggered_by(event.type)
        if view.status == "duplicate" or not rules:
            return []
        rt: dict[str, Any] = dict(view.counts)
        rt.update({k: (v / 1000 if v is not None else None) for k, v in view.last_seen_ms.items()})
        context: dict[str, Any] = {"event": event_context(event), "rt": rt, "batch": batch}
        out: list[tuple[Fired, Firing | None]] = []
        for rule in rules:
            if isinstance(rule, AbsenceRule):
                continue
            if isinstance(rule, WindowRule):
                count = view.counts.get(rule.count_name, 0)
                if count < rule.count:
                    continue
                context["window"] = {"count": count}
            if not rule.holds(context):
                continue
            firing = None
            if isinstance(rule, EventRule | WindowRule) and rule.cooldown_ms > 0:
                if rule.id in view.cooling or recent.cooling(
                    event.user_id, rule.id, event.ts_ms, event.event_id, rule.cooldown_ms
                ):
                    continue
                firing = Firing(event.user_id, rule.id, event.event_id, event.ts_ms)
                recent.add(firing)
            payload = rule.render_payload(context)
            out.append(
                (Fired(rule, event.user_id, (event.event_id,), event.ts_ms, payload), firing)
            )
        return out

    def timer_check(self, timer: Timer) -> TimerCheck | None:
        """What the store must read to decide ``timer`` (None: its rule no longer exists)."""
        try:
            rule = self.rules.get(timer.rule_id)
        except KeyError:
            return None
        if not isinstance(rule, AbsenceRule):
            return None
        return TimerCheck(timer, rule.awaits, rule.on if rule.supersede else ())

    def decide_timer(self, state: TimerState) -> Fired | None:
        """Fire unless an awaited event (or, with ``supersede``, a newer trigger) came."""
        rule = self.rules.get(state.timer.rule_id)
        assert isinstance(rule, AbsenceRule)
        if state.awaited or state.superseded:
            return None
        payload = dict(state.payload)
        payload["cause_event_time"] = iso_ms(state.timer.cause_ts_ms)
        if rule.include_cart:
            payload["cart"] = [dict(item) for item in state.cart]
        t = state.timer
        return Fired(rule, t.user_id, (t.cause_event_id,), t.due_ms, payload)
