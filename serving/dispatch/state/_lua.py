"""The Lua scripts behind the Redis stores. Each touches exactly one key (cluster-safe)."""

from __future__ import annotations

from typing import Final

__all__ = ["BUCKET", "CAP_CHECK_AND_RECORD", "IDEM_CLAIM", "IDEM_CONFIRM", "IDEM_RELEASE"]

# KEYS[1] idempotency key. ARGV: owner, lease_ms.
# Returns {status, pttl_ms, holder}; status is claimed | sent | in_flight; holder = the owner
# that holds the lease or sent the key.
IDEM_CLAIM: Final = """
local leased = 'p:' .. ARGV[1]
if redis.call('SET', KEYS[1], leased, 'NX', 'PX', ARGV[2]) then
  return {'claimed', tonumber(ARGV[2]), ARGV[1]}
end
local value = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
local holder = string.sub(value, 3)
if string.sub(value, 1, 2) == 's:' then return {'sent', ttl, holder} end
if value == leased then return {'claimed', ttl, holder} end
return {'in_flight', ttl, holder}
"""

# KEYS[1] idempotency key. ARGV: owner, retain_ms. Returns 1 when marked sent by owner.
IDEM_CONFIRM: Final = """
local value = redis.call('GET', KEYS[1])
if value == false or value == 'p:' .. ARGV[1] or value == 's:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 's:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# KEYS[1] idempotency key. ARGV: owner. Deletes only the owner's own lease.
IDEM_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] per-user sorted set. ARGV: at_ms, entry, retention_ms, mode (enforce|count),
# then window_ms, limit pairs. Trims, counts every window, records when allowed.
# Returns {allowed, recorded, count_1, ..., count_n}.
CAP_CHECK_AND_RECORD: Final = """
local at = tonumber(ARGV[1])
local retention = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', at - retention))
local result = {1, 0}
for i = 5, #ARGV, 2 do
  local since = string.format('(%.0f', at - tonumber(ARGV[i]))
  local count = redis.call('ZCOUNT', KEYS[1], since, '+inf')
  result[#result + 1] = count
  if count >= tonumber(ARGV[i + 1]) then result[1] = 0 end
end
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  result[1] = 1
  return result
end
if ARGV[4] == 'count' then result[1] = 1 end
if result[1] == 1 then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  result[2] = 1
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < retention then redis.call('PEXPIRE', KEYS[1], retention) end
end
return result
"""

# KEYS[1] bucket hash. ARGV: rate_per_s, burst, now_us ('' = the server's clock), op
# (take|refund). Returns {granted, wait_us, tokens_left as a string}.
BUCKET: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local granted = 0
local wait = 0
if ARGV[4] == 'refund' then
  tokens = math.min(burst, tokens + 1)
elseif tokens >= 1 then
  tokens = tokens - 1
  granted = 1
else
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
local left = string.format('%.17g', tokens)
redis.call('HSET', KEYS[1], 'tokens', left, 'ts', string.format('%.0f', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {granted, wait, left}
"""
