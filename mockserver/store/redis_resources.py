"""`RedisResources`: collections in Redis, each operation one Lua script, the same answers as `MemoryResources`.

A session's collection lives in six keys under the session's namespace (`...:s:<session>:r:<collection>:<part>`),
named in the session's `collections` set so that a session dropped past the cap goes with them:
`items` (key -> JSON), `order` (key by place), `state` (`n` the highest place, `b` bytes held, `seeded`), `unique`
(unique key -> item key), `msgs` (`<key>:<n>` -> message JSON) and `msgseq` (key -> its last message number). Writes
renew all six for `IDLE_SECONDS` (at most once a minute per process: `RedisStore.renew`), so a collection nobody
writes to for a week goes, as the rest of a session. Every script runs in the request's round (store/round.py).
Ids are spliced into the JSON text in Lua (`{"id":7,` + the rest), never decoded there: cjson would round numbers.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mockserver.core.json_codec import dumps
from mockserver.store.base import StoreUnavailable
from mockserver.store.redis import IDLE_SECONDS, INDEX_TTL_MS
from mockserver.store.redis_scripts import RESOURCE_PARTS, in_round
from mockserver.store.resources import (
    MAX_BYTES,
    MAX_MESSAGES,
    MAX_RESOURCES,
    Created,
    IdRule,
    Seed,
    Stored,
    Swapped,
    load_item,
)

if TYPE_CHECKING:
    from mockserver.store.redis import RedisStore

SEEN_ITEMS = 2_000  # items whose last JSON this process remembers, least recently seen forgotten first
SEEN_ITEM_CHARS = 8_192  # and only those this small: at most about 16 MB

# Every script's KEYS: items, order, state, unique, msgs, msgseq, and the session's `collections` set (what dropping
# a session past the cap deletes: redis_scripts.SESSIONS); ARGV[1]: '1' when the collection has seed data.
_PRELUDE = """
local function unseeded()
  return ARGV[1] == '1' and redis.call('HEXISTS', KEYS[3], 'seeded') == 0
end
-- TTLs: a positive ttl renews all six and names the collection in the session's set; a negative one (this process
-- renewed them within the minute) only gives a first TTL to keys made since: those the caller lists as maybe new,
-- or all of them when `state`, written by every write, has none (the collection is new, reset or dropped).
local function renew(ttl, made)
  local seconds = tonumber(ttl)
  if seconds < 0 then
    seconds = -seconds
    if redis.call('EXPIRE', KEYS[3], seconds, 'NX') == 0 then
      for _, i in ipairs(made) do redis.call('EXPIRE', KEYS[i], seconds, 'NX') end
      return
    end
  end
  for i = 1, 6 do redis.call('EXPIRE', KEYS[i], seconds) end
  redis.call('SADD', KEYS[7], string.sub(KEYS[1], 1, -6))
  redis.call('EXPIRE', KEYS[7], seconds)
end
local function held(name)
  return tonumber(redis.call('HGET', KEYS[3], name) or '0')
end
local function spliced(prefix, value, body)
  if body == '{}' then return prefix .. value .. '}' end
  return prefix .. value .. ',' .. string.sub(body, 2)
end
"""

# ARGV: seeded, ttl, item JSON without its id, '{"<id field>":', id kind, max items, max bytes, unique key or ''
_CREATE = """
if unseeded() then return {'unseeded'} end
local unique = ARGV[8]
if unique ~= '' then
  local key = redis.call('HGET', KEYS[4], unique)
  if key then
    local raw = redis.call('HGET', KEYS[1], key)
    if raw then return {'exists', raw} end
  end
end
local count = redis.call('HLEN', KEYS[1])
if count >= tonumber(ARGV[6]) then return {'full'} end
local kind = ARGV[5]
local function text(n)
  if kind == 'uuid' then return string.format('00000000-0000-0000-0000-%012x', n) end
  return string.format('%d', n)
end
local place = held('n') + 1
while redis.call('HEXISTS', KEYS[1], text(place)) == 1 do place = place + 1 end
local key = text(place)
local value = key
if kind ~= 'integer' then value = '"' .. key .. '"' end
local raw = spliced(ARGV[4], value, ARGV[3])
local size = held('b') + #raw
if size > tonumber(ARGV[7]) then return {'full'} end
redis.call('HSET', KEYS[1], key, raw)
redis.call('ZADD', KEYS[2], place, key)
redis.call('HSET', KEYS[3], 'n', string.format('%d', place), 'b', size)
local made = {}  -- keys this create may have made: the collection was empty, or this is its first unique key
if count == 0 then made = {1, 2} end
if unique ~= '' then
  if redis.call('HSET', KEYS[4], unique, key) == 1 and redis.call('HLEN', KEYS[4]) == 1 then made[#made + 1] = 4 end
end
renew(ARGV[2], made)
return {'created', raw}
"""

# ARGV: seeded, key
_GET = """
if unseeded() then return {'unseeded'} end
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then return {'missing'} end
return {'found', raw}
"""

# ARGV: seeded, unique key
_FIND = """
if unseeded() then return {'unseeded'} end
local key = redis.call('HGET', KEYS[4], ARGV[2])
local raw = key and redis.call('HGET', KEYS[1], key)
if not raw then return {'missing'} end
return {'found', raw}
"""

# ARGV: seeded, ttl, key, old JSON, new JSON, max bytes, max messages, '{"id":', then each message without its id
# Not the old JSON: {'changed', the item's JSON now}, so the caller can try again at once.
_SWAP = """
if unseeded() then return {'unseeded'} end
local key = ARGV[3]
local current = redis.call('HGET', KEYS[1], key)
if not current then return {'missing'} end
if current ~= ARGV[4] then return {'changed', current} end
local cap = tonumber(ARGV[7])
local last = tonumber(redis.call('HGET', KEYS[6], key) or '0')
local size = held('b') - #current + #ARGV[5]
local added = {}
for i = 9, #ARGV do
  local raw = spliced(ARGV[8], string.format('%d', last + #added + 1), ARGV[i])
  added[#added + 1] = raw
  size = size + #raw
end
local newest = last + #added
local dropped = {}
for n = math.max(1, last - cap + 1), newest - cap do
  if n <= last then
    local field = key .. ':' .. string.format('%d', n)
    size = size - redis.call('HSTRLEN', KEYS[5], field)
    dropped[#dropped + 1] = field
  end
end
if size > tonumber(ARGV[6]) then return {'full'} end
redis.call('HSET', KEYS[1], key, ARGV[5])
redis.call('HSET', KEYS[3], 'b', size)
for i, raw in ipairs(added) do
  redis.call('HSET', KEYS[5], key .. ':' .. string.format('%d', last + i), raw)
end
if #dropped > 0 then redis.call('HDEL', KEYS[5], unpack(dropped)) end
if #added > 0 then redis.call('HSET', KEYS[6], key, string.format('%d', newest)) end
renew(ARGV[2], {5, 6})
local out = {'swapped'}
for _, raw in ipairs(added) do out[#out + 1] = raw end
return out
"""

# ARGV: seeded, ttl, key, max messages
_DELETE = """
if unseeded() then return {'unseeded'} end
local key = ARGV[3]
local current = redis.call('HGET', KEYS[1], key)
if not current then return {'missing'} end
local size = held('b') - #current
local last = tonumber(redis.call('HGET', KEYS[6], key) or '0')
for n = math.max(1, last - tonumber(ARGV[4]) + 1), last do
  local field = key .. ':' .. string.format('%d', n)
  size = size - redis.call('HSTRLEN', KEYS[5], field)
  redis.call('HDEL', KEYS[5], field)
end
redis.call('HDEL', KEYS[6], key)
redis.call('HDEL', KEYS[1], key)
redis.call('ZREM', KEYS[2], key)
redis.call('HSET', KEYS[3], 'b', size)
renew(ARGV[2], {})
return {'deleted'}
"""

# ARGV: seeded, offset, limit
_PAGE = """
if unseeded() then return {'unseeded'} end
local out = {'page', redis.call('ZCARD', KEYS[2])}
local limit = tonumber(ARGV[3])
if limit <= 0 then return out end
local keys = redis.call('ZRANGE', KEYS[2], ARGV[2], tonumber(ARGV[2]) + limit - 1)
if #keys == 0 then return out end
for _, raw in ipairs(redis.call('HMGET', KEYS[1], unpack(keys))) do out[#out + 1] = raw end
return out
"""

# ARGV: seeded, key, max messages
_MESSAGES = """
if unseeded() then return {'unseeded'} end
local key = ARGV[2]
if redis.call('HEXISTS', KEYS[1], key) == 0 then return {'missing'} end
local out = {'found'}
local last = tonumber(redis.call('HGET', KEYS[6], key) or '0')
if last == 0 then return out end
local fields = {}
for n = math.max(1, last - tonumber(ARGV[3]) + 1), last do fields[#fields + 1] = key .. ':' .. string.format('%d', n) end
for _, raw in ipairs(redis.call('HMGET', KEYS[5], unpack(fields))) do
  if raw then out[#out + 1] = raw end
end
return out
"""

# ARGV: seeded, ttl, only when not yet seeded ('1'/'0'), then (key, place, JSON) for each item
_REPLACE = """
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[3], 'seeded') == 1 then return {'kept'} end
local top = held('n')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6])
local size = 0
for i = 4, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
  top = math.max(top, tonumber(ARGV[i + 1]))
  size = size + #ARGV[i + 2]
end
redis.call('HSET', KEYS[3], 'n', string.format('%d', top), 'b', size, 'seeded', '1')
renew(ARGV[2], {})
return {'replaced'}
"""

_SCRIPTS = {
    "create": _CREATE,
    "get": _GET,
    "find": _FIND,
    "swap": _SWAP,
    "delete": _DELETE,
    "page": _PAGE,
    "messages": _MESSAGES,
    "replace": _REPLACE,
}


class RedisResources:
    def __init__(self, store: RedisStore) -> None:
        self.seeds: dict[str, Seed] = {}
        self._store = store
        store.scripts.update({f"r:{name}": in_round(_PRELUDE + text, INDEX_TTL_MS) for name, text in _SCRIPTS.items()})
        # The JSON text of items this process last read or wrote: where an update starts (`known`).
        self._seen: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._key_lists: dict[tuple[str, str], list[str]] = {}

    def _keys(self, session: str, collection: str) -> list[str]:
        """The collection's keys in the session (`_PRELUDE`), worked out once per pair."""
        keys = self._key_lists.get((session, collection))
        if keys is None:
            store = self._store
            parts = [store._key(session, "r", quote(collection, safe=""), part) for part in RESOURCE_PARTS]
            if len(self._key_lists) >= SEEN_ITEMS:
                self._key_lists.clear()
            keys = self._key_lists[(session, collection)] = [*parts, store._key(session, "collections")]
        return keys

    def _ttl(self, keys: list[str]) -> int:
        """IDLE_SECONDS to renew the collection's TTLs, negated when this process did so within the minute."""
        return IDLE_SECONDS if self._store.renew(keys[2]) else -IDLE_SECONDS

    def _saw(self, session: str, collection: str, raw: str, key: str | None = None) -> Stored:
        item = load_item(raw)
        if key is None:
            key = str(next(iter(item.values()), ""))  # the id, which the store writes first
        if len(raw) <= SEEN_ITEM_CHARS:
            self._seen[(session, collection, key)] = raw
            self._seen.move_to_end((session, collection, key))
            if len(self._seen) > SEEN_ITEMS:
                self._seen.popitem(last=False)
        else:  # a large item is read again before an update: what this process keeps stays small
            self._seen.pop((session, collection, key), None)
        return Stored(item, raw)

    def known(self, session: str, collection: str, key: str) -> Stored | None:
        raw = self._seen.get((session, collection, key))
        return Stored(load_item(raw), raw) if raw is not None else None

    async def _run(self, name: str, session: str, collection: str, *args: str | int) -> list[Any]:
        """Run a script; a session's collection that has seed data but was never seeded is seeded first, with the
        script run again in the same round trip."""
        keys = self._keys(session, collection)
        seeded = "1" if collection in self.seeds else "0"
        found: list[Any] = await self._store._call(f"r:{name}", keys, [seeded, *args])
        if found[0] != "unseeded":
            return found
        replace = ("r:replace", keys, self._replace_args(self.seeds[collection], only_if_unseeded=True))
        found = (await self._store._call_each([replace, (f"r:{name}", keys, [seeded, *args])]))[1]
        if found[0] == "unseeded":
            raise StoreUnavailable(f"state store {self._store.where}: {collection} could not be seeded")
        return found

    def _replace_args(self, items: Seed, only_if_unseeded: bool) -> list[str | int]:
        args: list[str | int] = ["0", IDLE_SECONDS, "1" if only_if_unseeded else "0"]
        for key, place, item in items:
            args += [key, place, dumps(item).decode()]
        return args

    async def create(
        self, session: str, collection: str, item: dict[str, Any], ids: IdRule, unique: str | None = None
    ) -> Created:
        prefix = "{" + dumps(ids.field).decode() + ":"
        keys_ttl = self._ttl(self._keys(session, collection))
        args: list[str | int] = [keys_ttl, dumps(item).decode(), prefix, ids.kind, MAX_RESOURCES, MAX_BYTES]
        args.append(unique or "")
        found = await self._run("create", session, collection, *args)
        if found[0] == "full":
            return Created("full", None)
        return Created(found[0], self._saw(session, collection, found[1]))

    async def get(self, session: str, collection: str, key: str) -> Stored | None:
        found = await self._run("get", session, collection, key)
        return self._saw(session, collection, found[1], key) if found[0] == "found" else None

    async def find(self, session: str, collection: str, unique: str) -> Stored | None:
        found = await self._run("find", session, collection, unique)
        return self._saw(session, collection, found[1]) if found[0] == "found" else None

    async def swap(
        self,
        session: str,
        collection: str,
        key: str,
        old: str,
        new: dict[str, Any],
        messages: list[dict[str, Any]] | None = None,
    ) -> Swapped:
        raw = dumps(new).decode()
        ttl = self._ttl(self._keys(session, collection))
        args: list[str | int] = [ttl, key, old, raw, MAX_BYTES, MAX_MESSAGES, '{"id":']
        args += [dumps(m).decode() for m in messages or ()]
        found = await self._run("swap", session, collection, *args)
        if found[0] == "changed":
            return Swapped("changed", [], self._saw(session, collection, found[1], key))
        if found[0] == "swapped":
            self._saw(session, collection, raw, key)
        elif found[0] == "missing":
            self._seen.pop((session, collection, key), None)
        return Swapped(found[0], [load_item(text) for text in found[1:]])

    async def delete(self, session: str, collection: str, key: str) -> bool:
        self._seen.pop((session, collection, key), None)
        ttl = self._ttl(self._keys(session, collection))
        found = await self._run("delete", session, collection, ttl, key, MAX_MESSAGES)
        return bool(found[0] == "deleted")

    async def page(self, session: str, collection: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        found = await self._run("page", session, collection, offset, limit)
        return int(found[1]), [load_item(raw) for raw in found[2:] if raw]

    async def messages(self, session: str, collection: str, key: str) -> list[dict[str, Any]] | None:
        found = await self._run("messages", session, collection, key, MAX_MESSAGES)
        return [load_item(raw) for raw in found[1:]] if found[0] == "found" else None

    async def replace(self, session: str, collection: str, items: Seed) -> None:
        self._seen.clear()  # rare (seeds, the admin API): forget every item rather than find this collection's
        args = self._replace_args(items, only_if_unseeded=False)
        await self._store._call("r:replace", self._keys(session, collection), args)
