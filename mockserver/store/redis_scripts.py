"""The Lua scripts that make each multi-step `RedisStore` operation one atomic step on the server.

Float arithmetic stays in Python (Lua's `tostring` keeps only 14 digits): the scripts get range bounds and scores
as exact strings and hand scores back as Redis formats them (17 digits), so `RedisStore` reaches the very same
verdicts as `store.decide()`.

Every script that writes a session's state starts its ARGV with the same four values: the key prefix, the session's
name as it appears in its keys (URL-quoted), the session cap and the mock's `now`; and runs `SESSIONS` first.
"""

from __future__ import annotations

# Seconds a count of journal entries to come lives unchanged: a process that died with entries waiting holds readers
# up (1 s each) this long at most. Each process renews the counts it adds to every PENDING_TTL / 3 s.
PENDING_TTL = 60

# The keys of one collection of a session, each `...:s:<session>:r:<collection>:<part>` (store/redis_resources.py).
RESOURCE_PARTS = ("items", "order", "state", "unique", "msgs", "msgseq")

# The session cap (`store.base.MAX_SESSIONS`), shared by every script that writes a session's state.
# <prefix>:g:sessions ranks the sessions by their last write, counted by <prefix>:g:seq. A session's keys are its
# fixed ones, one per cache key in its `links` index, and those named in its `keys` index (a uid's limits, a
# bucket's counter), each scored there by the mock time after which it no longer matters; and the collections named
# in its `collections` set (each a key prefix, `...:r:<collection>:`, for the parts in `RESOURCE_PARTS`). The scripts
# touch keys they derive from these indexes, which a single Redis allows (a cluster would not).
SESSIONS = """
local RESOURCE_PARTS = {RESOURCE_PARTS_LUA}

local function base_of(prefix, name)
  return prefix .. ':s:' .. name .. ':'
end

local function holds(base, now)
  return redis.call('ZCOUNT', base .. 'links', '(' .. now, '+inf') > 0 or redis.call('EXISTS', base .. 'faults') == 1
    or redis.call('EXISTS', base .. 'collections') == 1
end

local function unlink_all(keys)
  for i = 1, #keys, 1000 do
    redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys)))
  end
end

local function drop(prefix, name)
  local base = base_of(prefix, name)
  local keys = {
    base .. 'links', base .. 'order', base .. 'keys', base .. 'journal', base .. 'faults', base .. 'fault', base .. 'fault-left',
    base .. 'removed', base .. 'link-live', base .. 'link-sizes', base .. 'link-bytes', base .. 'coverage',
    base .. 'coverage-first'
  }
  for _, key in ipairs(redis.call('ZRANGE', base .. 'links', 0, -1)) do
    keys[#keys + 1] = base .. 'link:' .. key
  end
  for _, suffix in ipairs(redis.call('ZRANGE', base .. 'keys', 0, -1)) do
    keys[#keys + 1] = base .. suffix
  end
  keys[#keys + 1] = base .. 'collections'
  for _, collection in ipairs(redis.call('SMEMBERS', base .. 'collections')) do
    for _, part in ipairs(RESOURCE_PARTS) do
      keys[#keys + 1] = collection .. part
    end
  end
  unlink_all(keys)
  redis.call('ZREM', prefix .. ':g:sessions', name)
end

-- A write to session `name`. A new session past the cap takes the place of the least recently written one that
-- holds nothing live, else (only for a write that holds something, holding == '1') of the least recently written
-- one. Returns false when the write may not create the session: the caller then writes nothing.
local function touch(prefix, name, cap, now, holding)
  local sessions = prefix .. ':g:sessions'
  if not redis.call('ZSCORE', sessions, name) and redis.call('ZCARD', sessions) >= tonumber(cap) then
    local names = redis.call('ZRANGE', sessions, 0, -1)
    local victim = nil
    for _, other in ipairs(names) do
      if not holds(base_of(prefix, other), now) then
        victim = other
        break
      end
    end
    if victim == nil then
      if holding ~= '1' then
        return false
      end
      victim = names[1]
    end
    drop(prefix, victim)
  end
  redis.call('ZADD', sessions, redis.call('INCR', prefix .. ':g:seq'), name)
  return true
end

-- Name one of the session's keys in its `keys` index, until the mock time `until_`.
local function index(base, suffix, until_)
  local key = base .. 'keys'
  redis.call('ZADD', key, until_, suffix)
  redis.call('PEXPIRE', key, INDEX_TTL_MS)
end

-- Delete (at most 1,000 per call) the indexed keys that stopped mattering before `now`.
local function forget_stale(base, now)
  local key = base .. 'keys'
  local stale = redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. now, 'LIMIT', 0, 1000)
  if #stale > 0 then
    local keys = {}
    for i, suffix in ipairs(stale) do
      keys[i] = base .. suffix
    end
    unlink_all(keys)
    redis.call('ZREM', key, unpack(stale))
  end
end

-- The first queued fault matching the request, its count used up by one: {its JSON, count left}, or nil.
local function take_fault(ids_key, data_key, left_key, method, path)
  for _, id in ipairs(redis.call('LRANGE', ids_key, 0, -1)) do
    local raw = redis.call('HGET', data_key, id)
    if raw then
      local fault = cjson.decode(raw)
      local want_path, want_method = fault['path'], fault['method']
      local path_ok = want_path == nil or want_path == cjson.null or want_path == path
      local method_ok = want_method == nil or want_method == cjson.null
        or (type(want_method) == 'string' and string.upper(want_method) == method)
      if path_ok and method_ok then
        local left = redis.call('HINCRBY', left_key, id, -1)
        if left <= 0 then
          redis.call('LREM', ids_key, 1, id)
          redis.call('HDEL', data_key, id)
          redis.call('HDEL', left_key, id)
        end
        return {raw, left}
      end
    end
  end
  return nil
end

-- Append one journal entry of session `name` (quoted); false when a new session may not take a place, 'placed' when
-- the session holds one in the ranking now.
local function journal_append(prefix, name, cap_sessions, now, entry, cap, ttl, renew)
  local key = base_of(prefix, name) .. 'journal'
  if cap <= 0 then
    redis.call('DEL', key)
    return true
  end
  if not touch(prefix, name, cap_sessions, now, '0') then
    return false
  end
  local length = redis.call('RPUSH', key, entry)
  if length > cap then
    redis.call('LTRIM', key, -cap, -1)
  end
  if renew or length == 1 then  -- renewed at most once a minute per process; a new journal gets its first TTL
    redis.call('EXPIRE', key, ttl)
  end
  return 'placed'
end

-- Add up a request's coverage counters (spec/coverage.py; `fields` one hash field a line) in the total and, when the
-- session holds a place in the ranking, in the session's; a breach's first request (`first`: its time and journal
-- id) is kept beside.
-- `placed`: the session is known to hold a place (its journal entry was just written), so the ranking is not read.
local function count(prefix, name, fields, first, ttl, renew, placed)
  local total, total_first = prefix .. ':g:coverage', prefix .. ':g:coverage-first'
  local base = nil
  if placed or redis.call('ZSCORE', prefix .. ':g:sessions', name) then base = base_of(prefix, name) end
  for f in string.gmatch(fields, '[^\\n]+') do
    redis.call('HINCRBY', total, f, 1)
    local breach = string.sub(f, 1, 2) == 'b\\t'
    if breach then redis.call('HSETNX', total_first, f, first) end
    if base then
      redis.call('HINCRBY', base .. 'coverage', f, 1)
      if breach then redis.call('HSETNX', base .. 'coverage-first', f, first) end
    end
  end
  if base and renew then
    redis.call('EXPIRE', base .. 'coverage', ttl)
    redis.call('EXPIRE', base .. 'coverage-first', ttl)
  end
end
"""

# What every script a request may call starts with (`guarded`): the round's header, ahead of the script's own KEYS and
# ARGV, which it removes so that the script reads its own from 1 as ever (store/round.py says why).
# KEYS: the clock, the fault session's fault ids, fault JSON and counts left ('' each: no fault session), the journal
#       session's count of entries to come ('' : none)
# ARGV: '1' to guard ('0': journal entries alone), the clock JSON the request ran on ('' : none), method, path,
#       prefix, session cap, now, journal cap, journal TTL, '1' to renew the TTL of the counts of entries to come,
#       the number of journal entries n, then per entry: its session (quoted), its JSON, flags ('1' or '0' twice:
#       counted as coming, renew the TTL), its coverage counters (one hash field a line, '' : none) and its time and
#       journal id (`count`)
# Besides the session's count of entries to come, `<prefix>:g:journal-pending` counts every session's (for a reader
# of the coverage total). A count changes by what the round adds (the request, once its guard passes) less what
# arrived, in one step: a request whose entry comes in the next one's round changes nothing.
# Entries are written first, whatever the guard finds. Then a clock other than the request's returns
# {'!clock', the clock JSON or false} and a matching fault {'!fault', its JSON, count left}, doing nothing else.
ROUND = """
local function shift(t, n)
  local len = #t
  for i = 1, len do t[i] = t[i + n] end
end

-- Change a count of entries to come by `by`; gone at 0; a new one lives PENDING_TTL s (should a process die with
-- entries waiting: readers wait 1 s at most), renewed with `renew`.
local function settle(key, by, renew)
  if by ~= 0 then
    local left = redis.call('INCRBY', key, by)
    if left <= 0 then
      redis.call('DEL', key)
      return
    elseif left == by then
      renew = true
    end
  end
  if renew then redis.call('EXPIRE', key, PENDING_TTL) end
end

local function run_round()
  local clock_key, ids, data, left, coming = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
  local on, clock, method, path = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
  local prefix, cap_sessions, now = ARGV[5], ARGV[6], ARGV[7]
  local cap, ttl, renew_pending, n = tonumber(ARGV[8]), ARGV[9], ARGV[10] == '1', tonumber(ARGV[11])
  local changes = {}  -- count key -> by how much it changes
  local all_key = prefix .. ':g:journal-pending'
  for i = 12, 11 + 5 * n, 5 do
    local name, flags = ARGV[i], ARGV[i + 2]
    local renew = string.sub(flags, 2, 2) == '1'
    if string.sub(flags, 1, 1) == '1' then
      local key = base_of(prefix, name) .. 'journal-pending'
      changes[key] = (changes[key] or 0) - 1
      changes[all_key] = (changes[all_key] or 0) - 1
    end
    local placed = journal_append(prefix, name, cap_sessions, now, ARGV[i + 1], cap, ttl, renew)
    if ARGV[i + 3] ~= '' then count(prefix, name, ARGV[i + 3], ARGV[i + 4], ttl, renew, placed == 'placed') end
  end
  shift(KEYS, 5)
  shift(ARGV, 11 + 5 * n)
  local tripped = nil
  if on == '1' then
    local shared = redis.call('GET', clock_key)
    if (shared or '') ~= clock then
      tripped = {'!clock', shared or false}
    else
      if ids ~= '' and redis.call('EXISTS', ids) == 1 then
        local fault = take_fault(ids, data, left, method, path)
        if fault then tripped = {'!fault', fault[1], fault[2]} end
      end
      if coming ~= '' then
        changes[coming] = (changes[coming] or 0) + 1
        changes[all_key] = (changes[all_key] or 0) + 1
      end
    end
  end
  for key, by in pairs(changes) do
    settle(key, by, renew_pending and (key == coming or key == all_key))
  end
  return tripped
end

local tripped = run_round()
if tripped then return tripped end
"""


def with_sessions(script: str, index_ttl_ms: int) -> str:
    """The script with the session functions before it; the `keys` index outlives every key it names."""
    parts = ", ".join(f"'{part}'" for part in RESOURCE_PARTS)
    return SESSIONS.replace("INDEX_TTL_MS", str(index_ttl_ms)).replace("RESOURCE_PARTS_LUA", parts) + script


def in_round(script: str, index_ttl_ms: int) -> str:
    """A script a request may call: the session functions, then the round's header (`ROUND`), then the script."""
    return with_sessions(ROUND.replace("PENDING_TTL", str(PENDING_TTL)) + script, index_ttl_ms)


# KEYS: link, index (sorted set of cache keys by expiry), order (the same by creation), the uid's limits,
#       the byte budget's bookkeeping: the live links it counts (sorted set by expiry), their sizes (hash), their total
# ARGV: prefix, session, session cap, now, then: link JSON, expires_at, real TTL in ms, cache key,
#       limits JSON ("" when the create set none: the uid's older limits go), limits TTL in seconds,
#       the limits key's name in the session's index, until when it matters,
#       the live links cap, how many cache keys the index keeps in all (live and gone), a dropped link's real TTL in ms,
#       the link's size (`store.base.link_bytes`), the live links' byte budget
# Links that expired since the last create stop counting; then, while the new link would pass the live links cap or
# the byte budget, the oldest live link is dropped: its value becomes a link that expired at epoch 0, so it answers
# as expired. Past the index's size the keys that expired or were dropped first are forgotten with their values.
PUT_LINK = """
local base = base_of(ARGV[1], ARGV[2])
local now = ARGV[4]
local counted, sizes, total = KEYS[5], KEYS[6], KEYS[7]
forget_stale(base, now)
touch(ARGV[1], ARGV[2], ARGV[3], now, '1')
local function uncount(key)
  local size = redis.call('HGET', sizes, key)
  if size then
    redis.call('DECRBY', total, size)
    redis.call('HDEL', sizes, key)
    redis.call('ZREM', counted, key)
  end
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', counted, '-inf', now)) do
  uncount(key)
end
if redis.call('HEXISTS', sizes, ARGV[8]) == 1 then
  uncount(ARGV[8])
  redis.call('ZREM', KEYS[2], ARGV[8])
  redis.call('ZREM', KEYS[3], ARGV[8])
end
local size, budget = tonumber(ARGV[16]), tonumber(ARGV[17])
local live = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
while live >= tonumber(ARGV[13]) or tonumber(redis.call('GET', total) or '0') + size > budget do
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if not oldest then
    break
  end
  redis.call('ZREM', KEYS[3], oldest)
  local expires_at = redis.call('ZSCORE', KEYS[2], oldest)
  if expires_at and tonumber(expires_at) > tonumber(now) then
    redis.call('ZADD', KEYS[2], 0, oldest)
    local gone = '{"cache_key": ' .. cjson.encode(oldest) .. ', "token": "", "expires_at": 0}'
    redis.call('SET', base .. 'link:' .. oldest, gone, 'PX', ARGV[15])
    uncount(oldest)
    live = live - 1
  end
end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[8])
redis.call('ZADD', KEYS[3], redis.call('INCR', ARGV[1] .. ':g:seq'), ARGV[8])
redis.call('ZADD', counted, ARGV[6], ARGV[8])
redis.call('HSET', sizes, ARGV[8], size)
redis.call('INCRBY', total, size)
for i = 2, 3 do
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[7]) then
    redis.call('PEXPIRE', KEYS[i], ARGV[7])
  end
end
-- The bookkeeping keys always share one TTL, the longest a counted link needs, so none outlives the others.
if redis.call('PTTL', counted) < tonumber(ARGV[7]) then
  for i = 5, 7 do
    redis.call('PEXPIRE', KEYS[i], ARGV[7])
  end
end
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[14])
if extra > 0 then
  local forgotten = redis.call('ZPOPMIN', KEYS[2], extra)
  local keys, members = {}, {}
  for i = 1, #forgotten, 2 do
    members[#members + 1] = forgotten[i]
    keys[#keys + 1] = base .. 'link:' .. forgotten[i]
  end
  unlink_all(keys)
  redis.call('ZREM', KEYS[3], unpack(members))
end
if ARGV[9] == '' then
  redis.call('DEL', KEYS[4])
  redis.call('ZREM', base .. 'keys', ARGV[11])
else
  redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[10])
  index(base, ARGV[11], ARGV[12])
end
return 1
"""

# KEYS: bucket (sorted set of action times)
# ARGV: prefix ("" for the global namespace: no session), session, session cap, now, then: member, count it (1/0),
#       real TTL in ms, forget times <= this, until when the bucket matters, its name in the session's index,
#       then per window: "(" .. window start (times after it count), limit
# Returns per window checked: count, then the score of the oldest counted action that matters (or nil);
# it stops at the first full window, exactly as `decide()` does.
HIT = """
local key = KEYS[1]
local session = ARGV[1] ~= ''
if session then
  forget_stale(base_of(ARGV[1], ARGV[2]), ARGV[4])
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[8])
local out = {}
local refused = false
local n = (#ARGV - 10) / 2
for i = 1, n do
  local start = ARGV[9 + 2 * i]
  local limit = tonumber(ARGV[10 + 2 * i])
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
if (not refused) and n > 0 and ARGV[6] == '1' then
  if session then
    touch(ARGV[1], ARGV[2], ARGV[3], ARGV[4], '1')
    index(base_of(ARGV[1], ARGV[2]), ARGV[10], ARGV[9])
  end
  redis.call('ZADD', key, ARGV[4], ARGV[5])
  redis.call('PEXPIRE', key, ARGV[7])
end
return out
"""

# KEYS: fault ids (list, in order), fault JSON by id (hash), counts left by id (hash)
# ARGV: method (upper case), path
# Returns the first matching fault's JSON and its count after this use, or nil.
TAKE_FAULT = """
return take_fault(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2])
"""

# KEYS: fault ids (list, in order), fault JSON by id (hash), counts left by id (hash)
# ARGV: prefix, session, session cap, now, then: fault id, fault JSON, its count, TTL in seconds, queue cap
# Returns 0, queueing nothing, when the session already queues as many faults as the cap.
ADD_FAULT = """
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[9]) then
  return 0
end
touch(ARGV[1], ARGV[2], ARGV[3], ARGV[4], '1')
redis.call('RPUSH', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], ARGV[5], ARGV[6])
redis.call('HSET', KEYS[3], ARGV[5], ARGV[7])
for i = 1, 3 do
  redis.call('EXPIRE', KEYS[i], ARGV[8])
end
return 1
"""

# Round scripts of their own (`in_round`): nothing but the round, for a request that made no other call (GUARD) or
# for journal entries alone (FLUSH); a link's value; a uid's limits; whether a path or one above it was deleted.
GUARD = """
return 1
"""

# KEYS: link | limits
GET = """
return {redis.call('GET', KEYS[1])}
"""

# KEYS: the session's deleted paths; ARGV: the path and those above it
REMOVED = """
for _, path in ipairs(ARGV) do
  if redis.call('ZSCORE', KEYS[1], path) then return {1} end
end
return {0}
"""

# KEYS: journal, its count of entries to come. Returns that count, then the entries, read together.
JOURNAL_READ = """
local out = {tonumber(redis.call('GET', KEYS[2]) or '0')}
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do out[#out + 1] = raw end
return out
"""

# KEYS: coverage counters (hash), their first times (hash), the count of entries to come (session's or all)
# Returns {entries to come, the counters' HGETALL, the first times' HGETALL}, as JOURNAL_READ does.
COVERAGE_READ = """
return {tonumber(redis.call('GET', KEYS[3]) or '0'), redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
"""

# KEYS: the session's deleted resource paths (sorted set, scored in the order of deletion)
# ARGV: prefix, session, session cap, now, then: the path, how many paths to keep, idle TTL in seconds
# Like a journal entry, a deletion takes no place a session holding something live has.
REMOVE_RESOURCE = """
if not touch(ARGV[1], ARGV[2], ARGV[3], ARGV[4], '0') then
  return 0
end
redis.call('ZADD', KEYS[1], redis.call('INCR', ARGV[1] .. ':g:seq'), ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[6]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[7])
return 1
"""
