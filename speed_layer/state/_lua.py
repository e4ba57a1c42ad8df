"""The Lua scripts of the Redis store. Each touches the keys of one hash tag only (one
user, or one partition), all passed in KEYS, so they run unchanged on Redis Cluster."""

from __future__ import annotations

__all__ = [
    "AS_OF",
    "CART",
    "CHECK_TIMER",
    "COMPLETE_TIMER",
    "DUE_TIMERS",
    "RECORD_FIRING",
    "TOUCH",
    "WATERMARK",
]

# Ties at one millisecond are broken by event id, compared byte-wise (as Python compares
# UTF-8 text); Lua's own string comparison follows the server's locale, so it is not used.
_BYTES_LE = """
local function le(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a <= #b
end
"""

AS_OF = (
    _BYTES_LE
    + """
local function count_asof(k, lo, ts, id)
  local n = redis.call('ZCOUNT', k, lo, '(' .. ts)
  local same = redis.call('ZRANGEBYSCORE', k, ts, ts)
  for i = 1, #same do if le(same[i], id) then n = n + 1 end end
  return n
end
local function last_asof(k, ts, id)
  local same = redis.call('ZRANGEBYSCORE', k, ts, ts)
  for i = 1, #same do if le(same[i], id) then return ts end end
  local r = redis.call('ZREVRANGEBYSCORE', k, '(' .. ts, '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #r > 0 then return tonumber(r[2]) end
  return -1
end
"""
)

# ``touch(key, ttl)``: the key lives at least ``ttl`` ms from now. Its expiry is only written
# when it falls short, and then with ttl/32 to spare, so most events of an active user cost a
# read (PEXPIRETIME, Redis >= 7.0) rather than a write that the AOF must also record. A
# ``twin`` key, created and emptied together with ``k``, gets the same expiry.
TOUCH = """
local clock = redis.call('TIME')
local NOW = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function touch(k, ttl, twin)
  if redis.call('PEXPIRETIME', k) < NOW + ttl then
    redis.call('PEXPIREAT', k, NOW + ttl + math.floor(ttl / 32))
    if twin then redis.call('PEXPIREAT', twin, NOW + ttl + math.floor(ttl / 32)) end
  end
end
"""

_CART_OF = """
local function cart_asof(kadd, kbuy, kcart, at)
  local lp = redis.call('ZREVRANGEBYSCORE', kbuy, at, '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  local lo = '-inf'
  if #lp > 0 then lo = '(' .. lp[2] end
  local ids = redis.call('ZREVRANGEBYSCORE', kadd, at, lo, 'LIMIT', 0, 50)
  local items = {}
  for i = #ids, 1, -1 do
    local item = redis.call('HGET', kcart, ids[i])
    if item then table.insert(items, item) end
  end
  return items
end
"""

# KEYS: fired. ARGV: member, ts, retention ms.
RECORD_FIRING = """
local ts = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], ts, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (ts - tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
"""

# KEYS: watermark. ARGV: mark. Returns the stored (maximum) mark.
WATERMARK = """
local cur = tonumber(redis.call('GET', KEYS[1]))
local mark = tonumber(ARGV[1])
if not cur or cur < mark then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return redis.call('GET', KEYS[1])
"""

# KEYS: partition timers, partition inflight. ARGV: until, limit.
DUE_TIMERS = """
local ms = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES',
                      'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #ms, 2 do
  table.insert(out, ms[i])
  table.insert(out, ms[i + 1])
  table.insert(out, redis.call('HGET', KEYS[2], ms[i]) or '')
end
return out
"""

# KEYS: timer_data, cart, ev:add_to_cart, ev:purchase, then awaited sets, then superseding sets.
# ARGV: member, cause ts, cause id, due, number of awaited sets.
CHECK_TIMER = (
    _BYTES_LE
    + _CART_OF
    + """
local function after(k, t, id, due)
  local n = redis.call('ZCOUNT', k, '(' .. t, due)
  local same = redis.call('ZRANGEBYSCORE', k, t, t)
  for i = 1, #same do if not le(same[i], id) then n = n + 1 end end
  return n
end
local t, id, due, na = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local awaited, superseded = 0, 0
for i = 5, #KEYS do
  if i - 4 <= na then awaited = awaited + after(KEYS[i], t, id, due)
  else superseded = superseded + after(KEYS[i], t, id, due) end
end
local payload = redis.call('HGET', KEYS[1], ARGV[1]) or '{}'
return {awaited, superseded, payload, cart_asof(KEYS[3], KEYS[4], KEYS[2], due)}
"""
)

# KEYS: timers, timer_data, timers_done. ARGV: member, due, retention ms, fired (1/0).
COMPLETE_TIMER = """
local due = tonumber(ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[3], due, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (due - tonumber(ARGV[3])))
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
"""

# KEYS: ev:add_to_cart, ev:purchase, cart. ARGV: at.
CART = (
    _CART_OF
    + """
return cart_asof(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
"""
)
