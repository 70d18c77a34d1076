"""Lua scripts the Redis tier runs server-side, so the byte budget holds across many workers.

Every script works on one tier's keys: ``KEYS[1]`` the LRU index (a sorted set of digests
scored by last access), ``KEYS[2]`` the sizes (a hash digest → stored bytes); entries live
at ``ARGV[1] .. digest`` and expire by themselves (Redis TTL), so ``trim`` first forgets index
members whose entry is gone, then drops the least recently used until the budget holds.
"""

from __future__ import annotations

_TRIM = """
local function trim(index, sizes, prefix, budget)
  local members = redis.call('ZRANGE', index, 0, -1)
  local live = {}
  local total = 0
  for _, m in ipairs(members) do
    if redis.call('EXISTS', prefix .. m) == 1 then
      local size = tonumber(redis.call('HGET', sizes, m) or '0')
      total = total + size
      table.insert(live, {m, size})
    else
      redis.call('ZREM', index, m)
      redis.call('HDEL', sizes, m)
    end
  end
  local evicted = 0
  local i = 1
  while budget >= 0 and total > budget and i <= #live do
    local m = live[i][1]
    redis.call('DEL', prefix .. m)
    redis.call('ZREM', index, m)
    redis.call('HDEL', sizes, m)
    total = total - live[i][2]
    evicted = evicted + 1
    i = i + 1
  end
  return {evicted, total, #live - evicted}
end
"""

# ARGV: prefix, budget (-1: none)
TRIM = _TRIM + """
return trim(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
"""

# ARGV: prefix, budget, digest, data, format, checksum ('' or '=' .. checksum), stored_at, ttl_ms (0: none), score, seal
STORE = _TRIM + """
local key = ARGV[1] .. ARGV[3]
redis.call('DEL', key)
redis.call('HSET', key, 'data', ARGV[4], 'format', ARGV[5], 'checksum', ARGV[6], 'stored_at', ARGV[7], 'seal', ARGV[10])
if tonumber(ARGV[8]) > 0 then
  redis.call('PEXPIRE', key, ARGV[8])
end
redis.call('ZADD', KEYS[1], ARGV[9], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[3], string.len(ARGV[4]))
return trim(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
"""

# ARGV: prefix, digest
DROP = """
local removed = redis.call('DEL', ARGV[1] .. ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
return removed
"""
