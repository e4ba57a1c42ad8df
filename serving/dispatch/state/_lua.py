"""The Lua scripts behind the Redis stores. Each touches one key, or keys of one user
(one hash tag, one slot): cluster-safe."""

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

# KEYS[1] per-user sorted set; KEYS[2] (optional) the user's sorted set for one campaign.
# ARGV: at_ms, entry, retention_ms, mode (enforce|count), n (global window/limit pairs),
# the n pairs, then with KEYS[2]: its retention_ms and its own window_ms, limit pairs.
# Trims, counts every window of both, records in both only when all are under (or count).
# Returns {allowed, recorded, global_ok, campaign_ok, n global counts..., campaign counts...}.
CAP_CHECK_AND_RECORD: Final = """
local at = tonumber(ARGV[1])
local n = tonumber(ARGV[5])
local function trim(key, retention)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', at - retention))
end
local function count(key, first, last, result)
  local ok = 1
  for i = first, last, 2 do
    local since = string.format('(%.0f', at - tonumber(ARGV[i]))
    local c = redis.call('ZCOUNT', key, since, '+inf')
    result[#result + 1] = c
    if c >= tonumber(ARGV[i + 1]) then ok = 0 end
  end
  return ok
end
local result = {0, 0, 1, 1}
trim(KEYS[1], tonumber(ARGV[3]))
result[3] = count(KEYS[1], 6, 5 + 2 * n, result)
local campaign_retention = 0
if KEYS[2] then
  campaign_retention = tonumber(ARGV[6 + 2 * n])
  trim(KEYS[2], campaign_retention)
  result[4] = count(KEYS[2], 7 + 2 * n, #ARGV, result)
end
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  result[1] = 1
  return result
end
if ARGV[4] == 'count' or (result[3] == 1 and result[4] == 1) then
  result[1] = 1
  result[2] = 1
  local function record(key, retention)
    redis.call('ZADD', key, ARGV[1], ARGV[2])
    if redis.call('PTTL', key) < retention then redis.call('PEXPIRE', key, retention) end
  end
  record(KEYS[1], tonumber(ARGV[3]))
  if KEYS[2] then record(KEYS[2], campaign_retention) end
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
