"""The real-time view in Redis: one Lua script call per event, pipelined per batch.

Each script touches the keys of one user (one hash tag) and is idempotent; the
per-partition timer index is kept next to it in plain commands of the same pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import redis as redis_py

from speed_layer.exceptions import StateError
from speed_layer.state import _lua
from speed_layer.state._apply_script import ApplyScript, apply_script
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
    ViewRequest,
    cart_item_json,
)
from speed_layer.state.keys import KeyLayout

__all__ = ["RedisStore"]


class RedisStore(RealtimeStore):
    """A :class:`RealtimeStore` in Redis (or Redis Cluster). ``client`` answers ``str``."""

    def __init__(
        self,
        client: redis_py.Redis | redis_py.RedisCluster,
        layout: ViewLayout,
        *,
        keys: KeyLayout,
        replay_grace_ms: int,
    ) -> None:
        super().__init__(layout)
        self.client, self.keys, self.grace = client, keys, replay_grace_ms
        self._sha: dict[str, str] = {}
        self._apply_sha: dict[tuple[str, ViewRequest], tuple[str, ApplyScript]] = {}

    def setup(self) -> None:
        for name in (
            "RECORD_FIRING",
            "WATERMARK",
            "DUE_TIMERS",
            "CHECK_TIMER",
            "COMPLETE_TIMER",
            "CART",
        ):
            self._sha[name] = self.client.script_load(getattr(_lua, name))
        self._apply_sha.clear()

    def close(self) -> None:
        self.client.close()

    def _run(self, pipe: Any) -> list[Any]:
        try:
            return list(pipe.execute())
        except redis_py.exceptions.NoScriptError:
            self.setup()  # the server restarted and lost its script cache; retry the batch
            raise StateError("Redis lost the speed layer's scripts; reloaded them") from None
        except redis_py.RedisError as exc:
            raise StateError(f"Redis: {exc}") from exc

    def _apply_for(self, event_type: str, request: ViewRequest) -> tuple[str, ApplyScript]:
        key = (event_type, request)
        if key not in self._apply_sha:
            script = apply_script(event_type, self.layout, request, grace_ms=self.grace)
            self._apply_sha[key] = (self.client.script_load(script.source), script)
        return self._apply_sha[key]

    def apply(self, writes: Sequence[EventWrite]) -> list[EventView]:
        if not writes:
            return []
        pipe = self.client.pipeline(transaction=False)
        script_at: list[int] = []
        for w in writes:
            e = w.event
            sha, script = self._apply_for(e.type, w.request)
            base = self.keys.user(e.user_id, "")
            args: list[Any] = [e.event_id, e.ts_ms, w.ref]
            if w.timers or e.type == "add_to_cart":
                args.append(cart_item_json(e.properties) if e.type == "add_to_cart" else "")
            for s in w.timers:
                args += [s.timer.member, s.timer.due_ms, json.dumps(s.payload, sort_keys=True)]
            script_at.append(len(pipe))
            pipe.evalsha(sha, len(script.structures), *(base + x for x in script.structures), *args)
            for s in w.timers:
                index = self.keys.partition(w.partition, "timers")
                pipe.zadd(index, {s.timer.member: s.timer.due_ms})
        replies = self._run(pipe)
        views = [_view(w, replies[i]) for w, i in zip(writes, script_at, strict=True)]
        cancel = self.client.pipeline(transaction=False)
        for w, view in zip(writes, views, strict=True):
            for t in view.cancelled:
                cancel.zrem(self.keys.partition(w.partition, "timers"), t.member)
                cancel.hdel(self.keys.partition(w.partition, "inflight"), t.member)
        if len(cancel):
            self._run(cancel)
        return views

    def record_firings(self, firings: Sequence[Firing]) -> None:
        if not firings:
            return
        pipe = self.client.pipeline(transaction=False)
        for f in firings:
            key = self.keys.user(f.user_id, "fired")
            pipe.evalsha(
                self._sha["RECORD_FIRING"],
                1,
                key,
                f"{f.rule_id}|{f.cause_event_id}",
                f.ts_ms,
                self.layout.firing_retention_ms,
            )
        self._run(pipe)

    def advance_watermarks(self, marks: Mapping[int, int]) -> dict[int, int]:
        if not marks:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for partition, mark in marks.items():
            pipe.evalsha(
                self._sha["WATERMARK"], 1, self.keys.partition(partition, "watermark"), mark
            )
        return {p: int(v) for p, v in zip(marks, self._run(pipe), strict=True)}

    def due_timers(self, until_ms: Mapping[int, int], limit: int) -> dict[int, list[DueTimer]]:
        if not until_ms:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for partition, until in until_ms.items():
            keys = (
                self.keys.partition(partition, "timers"),
                self.keys.partition(partition, "inflight"),
            )
            pipe.evalsha(self._sha["DUE_TIMERS"], 2, *keys, until, limit)
        return {
            partition: [
                DueTimer(
                    Timer.parse(flat[i], int(float(flat[i + 1]))),
                    int(flat[i + 2]) if flat[i + 2] else None,
                )
                for i in range(0, len(flat), 3)
            ]
            for partition, flat in zip(until_ms, self._run(pipe), strict=True)
        }

    def check_timers(
        self, partition: int, checks: Sequence[TimerCheck], seq: int
    ) -> list[TimerState]:
        if not checks:
            return []
        pipe = self.client.pipeline(transaction=False)
        inflight = self.keys.partition(partition, "inflight")
        pipe.hset(inflight, mapping={c.timer.member: seq for c in checks})
        for c in checks:
            t, user = c.timer, c.timer.user_id
            keys = [
                self.keys.user(user, "timer_data"),
                self.keys.user(user, "cart"),
                self.keys.events(user, "add_to_cart"),
                self.keys.events(user, "purchase"),
            ]
            keys += [self.keys.events(user, x) for x in (*c.awaits, *c.supersede_types)]
            pipe.evalsha(
                self._sha["CHECK_TIMER"],
                len(keys),
                *keys,
                t.member,
                t.cause_ts_ms,
                t.cause_event_id,
                t.due_ms,
                len(c.awaits),
            )
        replies = self._run(pipe)[1:]
        return [
            TimerState(
                c.timer,
                int(r[0]),
                int(r[1]),
                json.loads(r[2]),
                tuple(json.loads(item) for item in r[3]),
            )
            for c, r in zip(checks, replies, strict=True)
        ]

    def complete_timers(
        self, partition: int, timers: Sequence[Timer], *, fired: Collection[Timer] = ()
    ) -> None:
        if not timers:
            return
        pipe = self.client.pipeline(transaction=False)
        pipe.zrem(self.keys.partition(partition, "timers"), *(t.member for t in timers))
        pipe.hdel(self.keys.partition(partition, "inflight"), *(t.member for t in timers))
        for t in timers:
            keys = [self.keys.user(t.user_id, s) for s in ("timers", "timer_data", "timers_done")]
            pipe.evalsha(
                self._sha["COMPLETE_TIMER"],
                3,
                *keys,
                t.member,
                t.due_ms,
                self.layout.timer_retention_ms,
                int(t in fired),
            )
        self._run(pipe)

    def current_cart(self, user_id: str, at_ms: int) -> list[dict[str, Any]]:
        keys = [
            self.keys.events(user_id, "add_to_cart"),
            self.keys.events(user_id, "purchase"),
            self.keys.user(user_id, "cart"),
        ]
        items = self.client.evalsha(self._sha["CART"], 3, *keys, at_ms)
        return [json.loads(item) for item in items]


def _view(write: EventWrite, reply: list[Any]) -> EventView:
    if reply[0] == "duplicate":
        return EventView("duplicate")
    if len(reply) == 1:
        return EventView(reply[0])
    status, counts, last_seen, cooling, cancelled = reply
    request = write.request
    return EventView(
        status,
        {q.name: int(n) for q, n in zip(request.counts, counts, strict=True)},
        {
            q.name: (int(v) if int(v) >= 0 else None)
            for q, v in zip(request.last_seen, last_seen, strict=True)
        },
        frozenset(cooling),
        tuple(
            Timer.parse(cancelled[i], int(float(cancelled[i + 1])))
            for i in range(0, len(cancelled), 2)
        ),
    )
