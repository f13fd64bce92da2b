"""The Lua scripts that make each multi-step `RedisStore` operation one atomic step on the server.

Float arithmetic stays in Python (Lua's `tostring` keeps only 14 digits): the scripts get range bounds and scores
as exact strings and hand scores back as Redis formats them (17 digits), so `RedisStore` reaches the very same
verdicts as `store.decide()`.
"""

from __future__ import annotations

# KEYS: link, index (sorted set of cache keys by expiry), the uid's limits
# ARGV: link JSON, expires_at, real TTL in ms, cache key, prune index entries that expired before this,
#       limits JSON ("" when the create set none: the uid's older limits go), limits TTL in seconds
PUT_LINK = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
if ARGV[6] == '' then
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[7])
end
return 1
"""

# KEYS: bucket (sorted set of action times)
# ARGV: member, count it (1/0), real TTL in ms, forget times <= this, now,
#       then per window: "(" .. window start (times after it count), limit
# Returns per window checked: count, then the score of the oldest counted action that matters (or nil);
# it stops at the first full window, exactly as `decide()` does.
HIT = """
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[4])
local out = {}
local refused = false
local n = (#ARGV - 5) / 2
for i = 1, n do
  local start = ARGV[4 + 2 * i]
  local limit = tonumber(ARGV[5 + 2 * i])
  local count = redis.call('ZCOUNT', key, start, '+inf')
  local offset = 0
  if count >= limit then
    offset = count - limit
    refused = true
  end
  local first = redis.call('ZRANGEBYSCORE', key, start, '+inf', 'WITHSCORES', 'LIMIT', offset, 1)
  out[#out + 1] = count
  out[#out + 1] = first[2] or false
  if refused then
    break
  end
end
if (not refused) and n > 0 and ARGV[2] == '1' then
  redis.call('ZADD', key, ARGV[5], ARGV[1])
  redis.call('PEXPIRE', key, ARGV[3])
end
return out
"""

# KEYS: fault ids (list, in order), fault JSON by id (hash), counts left by id (hash)
# ARGV: method (upper case), path
# Returns the first matching fault's JSON and its count after this use, or nil.
TAKE_FAULT = """
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local fault = cjson.decode(raw)
    local path = fault['path']
    local method = fault['method']
    local path_ok = path == nil or path == cjson.null or path == ARGV[2]
    local method_ok = method == nil or method == cjson.null or (type(method) == 'string' and string.upper(method) == ARGV[1])
    if path_ok and method_ok then
      local left = redis.call('HINCRBY', KEYS[3], id, -1)
      if left <= 0 then
        redis.call('LREM', KEYS[1], 1, id)
        redis.call('HDEL', KEYS[2], id)
        redis.call('HDEL', KEYS[3], id)
      end
      return {raw, left}
    end
  end
end
return false
"""
