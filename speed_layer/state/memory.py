"""The real-time view in process memory: the same semantics as the Redis store, for tests
and for computing the expected output of a stream (the oracle of the crash test)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from speed_layer.state.base import (
    DueTimer,
    EventView,
    EventWrite,
    Firing,
    RealtimeStore,
    Timer,
    TimerCheck,
    TimerState,
    ViewLayout,
    cart_item_json,
)

__all__ = ["MemoryStore"]


@dataclass
class _User:
    seen: dict[str, str] = field(default_factory=dict)
    seen_at: dict[str, int] = field(default_factory=dict)
    events: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    cart: dict[str, str] = field(default_factory=dict)
    last_seen: dict[str, int] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    fired: dict[str, int] = field(default_factory=dict)
    timers: dict[str, int] = field(default_factory=dict)
    timer_data: dict[str, str] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)


def _count_asof(zset: Mapping[str, int], lo: int, ts: int, event_id: str) -> int:
    return sum(1 for m, s in zset.items() if lo <= s < ts or (s == ts and m <= event_id))


def _last_asof(zset: Mapping[str, int], ts: int, event_id: str) -> int:
    return max((s for m, s in zset.items() if s < ts or (s == ts and m <= event_id)), default=-1)


def _after(zset: Mapping[str, int], ts: int, event_id: str, due: int) -> int:
    return sum(1 for m, s in zset.items() if ts < s <= due or (s == ts and m > event_id))


class MemoryStore(RealtimeStore):
    """A :class:`RealtimeStore` in dictionaries. Not shared between processes."""

    def __init__(self, layout: ViewLayout) -> None:
        super().__init__(layout)
        self.users: dict[str, _User] = defaultdict(_User)
        self.partition_timers: dict[int, dict[str, int]] = defaultdict(dict)
        self.inflight: dict[int, dict[str, int]] = defaultdict(dict)
        self.watermarks: dict[int, int] = {}

    def apply(self, writes: Sequence[EventWrite]) -> list[EventView]:
        return [self._apply(w) for w in writes]

    def _apply(self, w: EventWrite) -> EventView:
        e, lay = w.event, self.layout
        u, ts, eid = self.users[e.user_id], e.ts_ms, e.event_id
        prev = u.seen.get(eid)
        if prev is not None and prev != w.ref:
            return EventView("duplicate")
        status: Literal["new", "replay"] = "replay" if prev is not None else "new"
        if status == "new":
            u.seen[eid], u.seen_at[eid] = w.ref, ts
            for old in [m for m, s in u.seen_at.items() if s < ts - lay.dedupe_ms]:
                del u.seen_at[old], u.seen[old]
            if e.type in lay.session_types:
                self._session(u, eid, ts)
        if e.type in lay.retention_ms:
            zset = u.events[e.type]
            zset[eid] = ts
            if e.type == "add_to_cart":
                u.cart[eid] = cart_item_json(e.properties)
            for old in [m for m, s in zset.items() if s < ts - lay.retention_ms[e.type]]:
                del zset[old]
                u.cart.pop(old, None)
        for name in lay.last_seen_fields.get(e.type, ()):
            if u.last_seen.get(name, -1) < ts:
                u.last_seen[name] = ts
        cancelled = []
        for rule_id, within in w.request.cancels:
            for member, due in sorted(u.timers.items(), key=lambda kv: (kv[1], kv[0])):
                if ts <= due < ts + within and member.startswith(rule_id + " "):
                    del u.timers[member]
                    u.timer_data.pop(member, None)
                    self.partition_timers[w.partition].pop(member, None)
                    self.inflight[w.partition].pop(member, None)
                    cancelled.append(Timer.parse(member, due))
        for scheduled in w.timers:
            member = scheduled.timer.member
            if member not in u.done:
                u.timers[member] = scheduled.timer.due_ms
                u.timer_data[member] = json.dumps(scheduled.payload, sort_keys=True)
                self.partition_timers[w.partition][member] = scheduled.timer.due_ms
        counts = {
            q.name: sum(
                _count_asof(u.events.get(t, {}), ts - q.window_ms, ts, eid) for t in q.event_types
            )
            for q in w.request.counts
        }
        last_seen = {}
        for q in w.request.last_seen:
            best = max(_last_asof(u.events.get(t, {}), ts, eid) for t in q.event_types)
            last_seen[q.name] = None if best < 0 else best
        cooling = frozenset(
            rule_id
            for rule_id, cd in w.request.cooldowns
            if any(
                ts - cd < s < ts + cd and m.startswith(rule_id + "|") and m != f"{rule_id}|{eid}"
                for m, s in u.fired.items()
            )
        )
        return EventView(status, counts, last_seen, cooling, tuple(cancelled))

    def _session(self, u: _User, eid: str, ts: int) -> None:
        s, gap = u.session, self.layout.session_gap_ms
        last = s.get("last_event_at")
        if last is None or ts > last + gap:
            u.session = {"session_id": eid, "started_at": ts, "last_event_at": ts, "events": 1}
        elif ts >= last:
            s["last_event_at"], s["events"] = ts, s["events"] + 1
        elif ts >= s["started_at"]:
            s["events"] += 1

    def record_firings(self, firings: Sequence[Firing]) -> None:
        for f in firings:
            fired = self.users[f.user_id].fired
            fired[f"{f.rule_id}|{f.cause_event_id}"] = f.ts_ms
            for old in [
                m for m, s in fired.items() if s < f.ts_ms - self.layout.firing_retention_ms
            ]:
                del fired[old]

    def advance_watermarks(self, marks: Mapping[int, int]) -> dict[int, int]:
        for partition, mark in marks.items():
            self.watermarks[partition] = max(self.watermarks.get(partition, mark), mark)
        return {p: self.watermarks[p] for p in marks}

    def due_timers(self, until_ms: Mapping[int, int], limit: int) -> dict[int, list[DueTimer]]:
        out = {}
        for partition, until in until_ms.items():
            due = sorted((d, m) for m, d in self.partition_timers[partition].items() if d <= until)
            inflight = self.inflight[partition]
            out[partition] = [DueTimer(Timer.parse(m, d), inflight.get(m)) for d, m in due[:limit]]
        return out

    def check_timers(
        self, partition: int, checks: Sequence[TimerCheck], seq: int
    ) -> list[TimerState]:
        out = []
        for check in checks:
            t = check.timer
            self.inflight[partition][t.member] = seq
            u = self.users[t.user_id]
            awaited = sum(
                _after(u.events.get(x, {}), t.cause_ts_ms, t.cause_event_id, t.due_ms)
                for x in check.awaits
            )
            superseded = sum(
                _after(u.events.get(x, {}), t.cause_ts_ms, t.cause_event_id, t.due_ms)
                for x in check.supersede_types
            )
            payload = json.loads(u.timer_data.get(t.member, "{}"))
            cart = tuple(self.current_cart(t.user_id, t.due_ms))
            out.append(TimerState(t, awaited, superseded, payload, cart))
        return out

    def complete_timers(
        self, partition: int, timers: Sequence[Timer], *, fired: Collection[Timer] = ()
    ) -> None:
        for t in timers:
            u = self.users[t.user_id]
            u.timers.pop(t.member, None)
            u.timer_data.pop(t.member, None)
            if t in fired:
                u.done[t.member] = t.due_ms
            for old in [
                m for m, d in u.done.items() if d < t.due_ms - self.layout.timer_retention_ms
            ]:
                del u.done[old]
            self.partition_timers[partition].pop(t.member, None)
            self.inflight[partition].pop(t.member, None)

    def current_cart(self, user_id: str, at_ms: int) -> list[dict[str, Any]]:
        u = self.users[user_id]
        purchases = [s for s in u.events.get("purchase", {}).values() if s <= at_ms]
        last_purchase = max(purchases, default=None)
        adds = sorted(
            (s, m)
            for m, s in u.events.get("add_to_cart", {}).items()
            if s <= at_ms and (last_purchase is None or s > last_purchase)
        )
        return [json.loads(u.cart[m]) for _, m in adds[-50:] if m in u.cart]
