"""Compile the feature declarations and the rules into what the view keeps and reads.

The streaming features of ``feature_store`` (``SlidingCount``, ``LastSeen``) decide which
event types get a window set and for how long; the rules add their own windows,
cooldowns and timers. Nothing here lists a feature by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from clarion.events import EVENT_TYPES
from feature_store import FeatureRegistry
from feature_store.computations import LastSeen, SlidingCount
from speed_layer.durations import to_ms
from speed_layer.rules.model import AbsenceRule, EventRule, RuleSet, WindowRule
from speed_layer.state.base import CountQuery, LastSeenQuery, ViewLayout, ViewRequest

__all__ = ["CART_TYPES", "ViewPlan", "build_plan"]

CART_TYPES = ("add_to_cart", "purchase")
# Activity that opens or extends a session; a delivery receipt is not the user acting.
_NOT_SESSION = frozenset({"notification_delivered"})


@dataclass(frozen=True)
class ViewPlan:
    """The view layout plus, per event type, the reads its rules need."""

    layout: ViewLayout
    requests: Mapping[str, ViewRequest]
    batch_names: Mapping[str, frozenset[str]]
    rt_queries: Mapping[str, CountQuery | LastSeenQuery]

    def request(self, event_type: str) -> ViewRequest:
        return self.requests.get(event_type, ViewRequest())


def _streaming_queries(features: FeatureRegistry) -> dict[str, CountQuery | LastSeenQuery]:
    out: dict[str, CountQuery | LastSeenQuery] = {}
    for feature in features.by_source("streaming"):
        spec = feature.computation
        if isinstance(spec, SlidingCount):
            out[feature.name] = CountQuery(feature.name, spec.event_types, to_ms(spec.window))
        elif isinstance(spec, LastSeen):
            out[feature.name] = LastSeenQuery(feature.name, spec.event_types)
    return out


def build_plan(
    rules: RuleSet,
    features: FeatureRegistry,
    *,
    replay_grace: timedelta = timedelta(hours=1),
    dedupe_window: timedelta = timedelta(hours=24),
    session_gap: timedelta = timedelta(minutes=30),
    last_seen_ttl: timedelta = timedelta(days=30),
    cart_ttl: timedelta = timedelta(hours=24),
) -> ViewPlan:
    """The plan for ``rules`` over the streaming ``features``."""
    grace = to_ms(replay_grace)
    rt_queries = _streaming_queries(features)
    keep: dict[str, int] = defaultdict(int)
    last_seen_fields: dict[str, list[str]] = defaultdict(list)
    for query in rt_queries.values():
        for event_type in query.event_types:
            window = query.window_ms if isinstance(query, CountQuery) else 0
            keep[event_type] = max(keep[event_type], window)
            if isinstance(query, LastSeenQuery):
                last_seen_fields[event_type].append(query.name)
    for event_type in CART_TYPES:
        keep[event_type] = max(keep[event_type], to_ms(cart_ttl))
    longest_cooldown = 0
    for rule in rules:
        if isinstance(rule, WindowRule | AbsenceRule):
            watched = rule.on + (rule.awaits if isinstance(rule, AbsenceRule) else ())
            for event_type in watched:
                keep[event_type] = max(keep[event_type], rule.within_ms)
        if isinstance(rule, EventRule | WindowRule):
            longest_cooldown = max(longest_cooldown, rule.cooldown_ms)
    requests = {t: _request(t, rules, rt_queries) for t in EVENT_TYPES}
    batch_names = {
        t: frozenset(
            n.split(".", 1)[1]
            for r in rules.triggered_by(t)
            for n in r.names()
            if n.startswith("batch.")
        )
        for t in EVENT_TYPES
    }
    longest_timer = max((r.within_ms for r in rules if isinstance(r, AbsenceRule)), default=0)
    layout = ViewLayout(
        retention_ms={t: ms + grace for t, ms in keep.items()},
        last_seen_fields={t: (*last_seen_fields[t], f"type:{t}") for t in EVENT_TYPES},
        session_types=frozenset(EVENT_TYPES) - _NOT_SESSION,
        session_gap_ms=to_ms(session_gap),
        dedupe_ms=to_ms(dedupe_window),
        firing_retention_ms=2 * longest_cooldown + grace,
        timer_retention_ms=longest_timer + grace,
        last_seen_ttl_ms=to_ms(last_seen_ttl),
        cart_ms=to_ms(cart_ttl),
    )
    return ViewPlan(layout, requests, batch_names, rt_queries)


def _request(
    event_type: str, rules: RuleSet, rt_queries: Mapping[str, CountQuery | LastSeenQuery]
) -> ViewRequest:
    counts: dict[str, CountQuery] = {}
    last_seen: dict[str, LastSeenQuery] = {}
    cooldowns: list[tuple[str, int]] = []
    for rule in rules.triggered_by(event_type):
        if isinstance(rule, AbsenceRule):
            continue
        for name in sorted(rule.names()):
            if name.startswith("rt."):
                query = rt_queries[name[3:]]
                if isinstance(query, CountQuery):
                    counts[query.name] = query
                else:
                    last_seen[query.name] = query
        if isinstance(rule, WindowRule):
            counts[rule.count_name] = CountQuery(rule.count_name, rule.on, rule.within_ms)
        if rule.cooldown_ms > 0:
            cooldowns.append((rule.id, rule.cooldown_ms))
    cancels = tuple((r.id, r.within_ms) for r in rules.awaiting(event_type))
    starts = any(isinstance(r, AbsenceRule) for r in rules.triggered_by(event_type))
    return ViewRequest(
        tuple(counts.values()), tuple(last_seen.values()), tuple(cooldowns), cancels, starts
    )
