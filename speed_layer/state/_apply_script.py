"""The Lua that applies events to the Redis view: one function per variant (an event type
with the reads its rules need), and one batch script that runs many events in one call.

Each variant carries its event type's configuration as Lua constants and declares only
the keys it touches, so an event sends its keys, id, time and record ref and little else.
The constants come from the plan: numbers, and names checked against a strict pattern
(feature names, rule ids, event types) — never text from a rule's conditions.

The batch script (:func:`batch_script`) takes ``ARGV[1]`` = the number of events, then per
event its variant number, its argument count and its arguments; its keys follow each
other in ``KEYS``. It returns one reply per event, in order, each event seeing the ones
before. One call costs Redis one script invocation instead of one per event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from speed_layer.state._lua import AS_OF, TOUCH
from speed_layer.state.base import ViewLayout, ViewRequest

__all__ = ["ApplyScript", "apply_script", "batch_script"]

_NAME = re.compile(r"^[a-z][a-z0-9_:]*$")


def _lua_str(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain name, refusing to put it in a script: {name!r}")
    return f"'{name}'"


@dataclass(frozen=True)
class ApplyScript:
    """One variant: the body of ``function(k, a, na)`` (its keys are ``KEYS[k + i]``, its
    arguments ``ARGV[a + i]``, ``na`` of them) and the per-user key suffixes it declares."""

    source: str
    structures: tuple[str, ...]  # per-user key suffixes, in KEYS order
    reads: bool  # the reply carries the view (else only the status)


class _Keys:
    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, structure: str) -> str:
        if structure not in self.names:
            self.names.append(structure)
        return f"KEYS[k + {self.names.index(structure) + 1}]"


def batch_script(variants: Sequence[ApplyScript]) -> str:
    """One script running any number of events of the given variants (numbered from 1)."""
    parts = [AS_OF, TOUCH, "local V, NK = {}, {}"]
    for n, variant in enumerate(variants, start=1):
        parts += [
            f"V[{n}] = function(k, a, na)",
            variant.source,
            "end",
            f"NK[{n}] = {len(variant.structures)}",
        ]
    parts.append(
        """local out, k, a = {}, 0, 1
for e = 1, tonumber(ARGV[1]) do
  local v, na = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  out[e] = V[v](k, a + 2, na)
  k = k + NK[v]
  a = a + 2 + na
end
return out
"""
    )
    return "\n".join(parts)


def apply_script(
    event_type: str, layout: ViewLayout, request: ViewRequest, *, grace_ms: int
) -> ApplyScript:
    k = _Keys()
    seen, seen_at = k("seen"), k("seen_at")
    lines = [
        "local id, ts, ref = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3]",
        "local sample = (ts + string.byte(id, -1)) % 8 == 0",
        "local status = 'new'",
        f"if redis.call('HSETNX', {seen}, id, ref) == 0 then",
        f"  if redis.call('HGET', {seen}, id) ~= ref then return {{'duplicate'}} end",
        "  status = 'replay'",
        "else",
        f"  redis.call('ZADD', {seen_at}, ts, id)",
        "  if sample then",
        f"    local old = redis.call('ZRANGEBYSCORE', {seen_at}, '-inf', "
        f"'(' .. (ts - {layout.dedupe_ms}), 'LIMIT', 0, 200)",
        "    if #old > 0 then",
        f"      redis.call('ZREM', {seen_at}, unpack(old))",
        f"      redis.call('HDEL', {seen}, unpack(old))",
        "    end",
        "  end",
        # seen and seen_at hold the same ids, added and removed together: one expiry
        f"  touch({seen}, {layout.dedupe_ms + grace_ms}, {seen_at})",
    ]
    if event_type in layout.session_types:
        s = k("session")
        lines += [
            f"  local h = redis.call('HMGET', {s}, 'last_event_at', 'started_at', 'events')",
            "  local last, start, n = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])",
            f"  if not last or ts > last + {layout.session_gap_ms} then",
            f"    redis.call('HSET', {s}, 'session_id', id, 'started_at', ts, "
            "'last_event_at', ts, 'events', 1)",
            "  elseif ts >= last then",
            f"    redis.call('HSET', {s}, 'last_event_at', ts, 'events', n + 1)",
            "  elseif ts >= start then",
            f"    redis.call('HSET', {s}, 'events', n + 1)",
            "  end",
            f"  touch({s}, {layout.session_gap_ms + grace_ms})",
        ]
    lines.append("end")
    if event_type in layout.retention_ms:
        own, ret = k(f"ev:{event_type}"), layout.retention_ms[event_type]
        lines += [f"redis.call('ZADD', {own}, ts, id)", "if sample then"]
        if event_type == "add_to_cart":
            cart = k("cart")
            lines += [
                f"  local old = redis.call('ZRANGEBYSCORE', {own}, '-inf', '(' .. (ts - {ret}), "
                "'LIMIT', 0, 200)",
                f"  if #old > 0 then redis.call('HDEL', {cart}, unpack(old)) end",
            ]
        lines += [
            f"  redis.call('ZREMRANGEBYSCORE', {own}, '-inf', '(' .. (ts - {ret}))",
            "end",
            f"touch({own}, {ret})",
        ]
        if event_type == "add_to_cart":
            lines += [
                f"redis.call('HSET', {cart}, id, ARGV[a + 4])",
                f"touch({cart}, {ret})",
            ]
    fields = layout.last_seen_fields.get(event_type, ())
    if fields:
        ls = k("last_seen")
        names = ", ".join(_lua_str(f) for f in fields)
        lines += [
            f"local fields = {{{names}}}",
            f"local cur = redis.call('HMGET', {ls}, unpack(fields))",
            "local upd = {}",
            "for i = 1, #fields do",
            "  if not tonumber(cur[i]) or tonumber(cur[i]) < ts then",
            "    table.insert(upd, fields[i]) table.insert(upd, ts)",
            "  end",
            "end",
            f"if #upd > 0 then redis.call('HSET', {ls}, unpack(upd)) end",
            f"touch({ls}, {layout.last_seen_ttl_ms})",
        ]
    lines += _timers(k, request, layout)
    reads = bool(request.counts or request.last_seen or request.cooldowns or request.cancels)
    lines += _reads(k, request) if reads else ["return {status}"]
    return ApplyScript("\n".join(lines), tuple(k.names), reads)


def _timers(k: _Keys, request: ViewRequest, layout: ViewLayout) -> list[str]:
    lines = ["local cancelled = {}"]
    if request.cancels or request.starts_timers:
        timers, data, done = k("timers"), k("timer_data"), k("timers_done")
    for rule_id, within in request.cancels:
        lines += [
            "do",
            f"  local pair = {_lua_str(rule_id)} .. ' '",
            f"  local ms = redis.call('ZRANGEBYSCORE', {timers}, ts, '(' .. (ts + {within}), "
            "'WITHSCORES')",
            "  for i = 1, #ms, 2 do",
            "    if string.sub(ms[i], 1, #pair) == pair then",
            f"      redis.call('ZREM', {timers}, ms[i])",
            f"      redis.call('HDEL', {data}, ms[i])",
            "      table.insert(cancelled, ms[i]) table.insert(cancelled, ms[i + 1])",
            "    end",
            "  end",
            "end",
        ]
    if request.starts_timers:
        lines += [
            "for i = a + 5, a + na, 3 do",
            f"  if not redis.call('ZSCORE', {done}, ARGV[i]) then",
            f"    redis.call('ZADD', {timers}, ARGV[i + 1], ARGV[i])",
            f"    redis.call('HSET', {data}, ARGV[i], ARGV[i + 2])",
            "  end",
            "end",
            "if na > 4 then",
            f"  touch({timers}, {layout.timer_retention_ms})",
            f"  touch({data}, {layout.timer_retention_ms})",
            "end",
        ]
    return lines


def _reads(k: _Keys, request: ViewRequest) -> list[str]:
    lines = ["local counts, lseen, cooling = {}, {}, {}"]
    for q in request.counts:
        parts = " + ".join(
            f"count_asof({k(f'ev:{t}')}, ts - {q.window_ms}, ts, id)" for t in q.event_types
        )
        lines.append(f"table.insert(counts, {parts})")
    for seen in request.last_seen:
        parts = ", ".join(f"last_asof({k(f'ev:{t}')}, ts, id)" for t in seen.event_types)
        lines.append(f"table.insert(lseen, math.max({parts}))")
    if request.cooldowns:
        fired = k("fired")
    for rule_id, cooldown in request.cooldowns:
        rule = _lua_str(rule_id)
        lines += [
            f"for _, m in ipairs(redis.call('ZRANGEBYSCORE', {fired}, '(' .. (ts - {cooldown}), "
            f"'(' .. (ts + {cooldown}))) do",
            f"  if string.sub(m, 1, {len(rule_id) + 1}) == {rule} .. '|' and m ~= {rule} .. '|' "
            f".. id then table.insert(cooling, {rule}) break end",
            "end",
        ]
    lines.append("return {status, counts, lseen, cooling, cancelled}")
    return lines
