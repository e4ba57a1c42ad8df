"""The real-time view in Redis: a poll batch's events applied by a few Lua calls in one
pipeline (one call per ``events_per_call`` events; on Redis Cluster one per user).

Each event's part of a call touches the keys of one user (one hash tag) and is
idempotent; the per-partition timer index is kept next to it in plain commands of the
same pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import redis as redis_py

from speed_layer.exceptions import StateError
from speed_layer.state import _lua
from speed_layer.state._apply_script import ApplyScript, apply_script, batch_script
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
        events_per_call: int = 250,
        calls: Literal["auto", "chunks", "users"] = "auto",
    ) -> None:
        super().__init__(layout)
        self.client, self.keys, self.grace = client, keys, replay_grace_ms
        self.events_per_call = events_per_call
        if calls == "auto":
            calls = "users" if isinstance(client, redis_py.RedisCluster) else "chunks"
        self.calls: Literal["chunks", "users"] = calls
        self._sha: dict[str, str] = {}
        self._variants: dict[tuple[str, ViewRequest], tuple[int, ApplyScript]] = {}
        self._batch_sha = ""

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
        self._batch_sha = ""

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

    def _variant(self, event_type: str, request: ViewRequest) -> tuple[int, ApplyScript]:
        """The variant number of ``(event_type, request)``; a new one reloads the script."""
        key = (event_type, request)
        if key not in self._variants:
            script = apply_script(event_type, self.layout, request, grace_ms=self.grace)
            self._variants[key] = (len(self._variants) + 1, script)
            self._batch_sha = ""
        return self._variants[key]

    def _batch(self) -> str:
        if not self._batch_sha:
            scripts = [s for _, s in sorted(self._variants.values(), key=lambda v: v[0])]
            self._batch_sha = self.client.script_load(batch_script(scripts))
        return self._batch_sha

    def _calls(self, writes: Sequence[EventWrite]) -> list[list[int]]:
        """Which writes go into one script call: ``users``, the writes of one user (one hash
        tag: one Redis Cluster slot); ``chunks``, up to ``events_per_call`` in batch order
        (single-node Redis, where one call may touch many users' keys)."""
        if self.calls == "users":
            by_user: dict[str, list[int]] = {}
            for i, w in enumerate(writes):
                by_user.setdefault(w.event.user_id, []).append(i)
            return list(by_user.values())
        size = self.events_per_call
        return [list(range(i, min(i + size, len(writes)))) for i in range(0, len(writes), size)]

    def apply(self, writes: Sequence[EventWrite]) -> list[EventView]:
        if not writes:
            return []
        variants = [self._variant(w.event.type, w.request) for w in writes]
        sha = self._batch()
        pipe = self.client.pipeline(transaction=False)
        script_at: list[tuple[int, list[int]]] = []
        for call in self._calls(writes):
            keys: list[str] = []
            args: list[Any] = [len(call)]
            for i in call:
                w, (number, script) = writes[i], variants[i]
                e = w.event
                base = self.keys.user(e.user_id, "")
                keys += [base + x for x in script.structures]
                event_args: list[Any] = [e.event_id, e.ts_ms, w.ref]
                if w.timers or e.type == "add_to_cart":
                    cart = cart_item_json(e.properties) if e.type == "add_to_cart" else ""
                    event_args.append(cart)
                for s in w.timers:
                    payload = json.dumps(s.payload, sort_keys=True)
                    event_args += [s.timer.member, s.timer.due_ms, payload]
                args += [number, len(event_args), *event_args]
            script_at.append((len(pipe), call))
            _evalsha(pipe, sha, len(keys), *keys, *args)
        for w in writes:
            for s in w.timers:
                index = self.keys.partition(w.partition, "timers")
                pipe.zadd(index, {s.timer.member: s.timer.due_ms})
        replies = self._run(pipe)
        views: list[EventView | None] = [None] * len(writes)
        for at, call in script_at:
            for i, reply in zip(call, replies[at], strict=True):
                views[i] = _view(writes[i], reply)
        out = [v for v in views if v is not None]
        cancel = self.client.pipeline(transaction=False)
        for w, view in zip(writes, out, strict=True):
            for t in view.cancelled:
                cancel.zrem(self.keys.partition(w.partition, "timers"), t.member)
                cancel.hdel(self.keys.partition(w.partition, "inflight"), t.member)
        if len(cancel):
            self._run(cancel)
        return out

    def record_firings(self, firings: Sequence[Firing]) -> None:
        if not firings:
            return
        pipe = self.client.pipeline(transaction=False)
        for f in firings:
            key = self.keys.user(f.user_id, "fired")
            _evalsha(
                pipe,
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
            _evalsha(
                pipe, self._sha["WATERMARK"], 1, self.keys.partition(partition, "watermark"), mark
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
            _evalsha(pipe, self._sha["DUE_TIMERS"], 2, *keys, until, limit)
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
            _evalsha(
                pipe,
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
            _evalsha(
                pipe,
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


def _evalsha(pipe: Any, sha: str, numkeys: int, *keys_and_args: Any) -> None:
    """Queue ``EVALSHA`` on ``pipe``. redis-py's ``ClusterPipeline.evalsha`` refuses to queue it
    (redis/redis-py#2914) although the cluster client routes it by its keys like any keyed
    command; :meth:`RedisStore.setup` loads the scripts on every primary (cluster
    ``SCRIPT LOAD``), and a node that lost them answers NOSCRIPT, handled in ``_run``."""
    pipe.execute_command("EVALSHA", sha, numkeys, *keys_and_args)


_PLAIN = {status: EventView(status) for status in ("new", "replay", "duplicate")}


def _view(write: EventWrite, reply: list[Any]) -> EventView:
    if len(reply) == 1 or reply[0] == "duplicate":
        return _PLAIN[reply[0]]
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
