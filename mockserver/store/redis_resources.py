"""`RedisResources`: collections in Redis, each operation one Lua script, the same answers as `MemoryResources`.

A session's collection lives in six keys under the session's namespace (`...:s:<session>:r:<collection>:<part>`),
named in the session's `collections` set so that a session dropped past the cap goes with them:
`items` (key -> JSON), `order` (key by place), `state` (`n` the highest place, `b` bytes held, `seeded`), `unique`
(unique key -> item key), `msgs` (`<key>:<n>` -> message JSON) and `msgseq` (key -> its last message number). Every
write renews all six for `IDLE_SECONDS`, so a collection nobody writes to for a week goes, as the rest of a session.
Ids are spliced into the JSON text in Lua (`{"id":7,` + the rest), never decoded there: cjson would round numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from redis.commands.core import AsyncScript

from mockserver.core.json_codec import dumps
from mockserver.store.base import StoreUnavailable
from mockserver.store.redis import IDLE_SECONDS, UNREACHABLE
from mockserver.store.redis_scripts import RESOURCE_PARTS
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

# Every script's KEYS: items, order, state, unique, msgs, msgseq, and the session's `collections` set (what dropping
# a session past the cap deletes: redis_scripts.SESSIONS); ARGV[1]: '1' when the collection has seed data.
_PRELUDE = """
local function unseeded()
  return ARGV[1] == '1' and redis.call('HEXISTS', KEYS[3], 'seeded') == 0
end
local function touch(ttl)
  for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ttl) end
  redis.call('SADD', KEYS[7], string.sub(KEYS[1], 1, -6))
  redis.call('EXPIRE', KEYS[7], ttl)
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
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return {'full'} end
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
if unique ~= '' then redis.call('HSET', KEYS[4], unique, key) end
touch(ARGV[2])
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
_SWAP = """
if unseeded() then return {'unseeded'} end
local key = ARGV[3]
local current = redis.call('HGET', KEYS[1], key)
if not current then return {'missing'} end
if current ~= ARGV[4] then return {'changed'} end
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
touch(ARGV[2])
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
touch(ARGV[2])
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
touch(ARGV[2])
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
        self._scripts: dict[asyncio.AbstractEventLoop, dict[str, AsyncScript]] = {}

    def _keys(self, session: str, collection: str) -> list[str]:
        parts = [self._store._key(session, "r", quote(collection, safe=""), part) for part in RESOURCE_PARTS]
        return [*parts, self._store._key(session, "collections")]

    def _script(self, name: str) -> AsyncScript:
        loop = asyncio.get_running_loop()
        scripts = self._scripts.get(loop)
        if scripts is None:
            client = self._store._conn().redis  # the store's connections on this loop
            scripts = self._scripts[loop] = {n: client.register_script(_PRELUDE + s) for n, s in _SCRIPTS.items()}
        return scripts[name]

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except UNREACHABLE as exc:
            raise StoreUnavailable(f"state store {self._store.where} is unreachable: {exc}") from None

    async def _run(self, name: str, session: str, collection: str, *args: str | int) -> list[Any]:
        """Run a script; a session's collection that has seed data but was never seeded is seeded first."""
        keys = self._keys(session, collection)
        seeded = "1" if collection in self.seeds else "0"
        with self._reachable():
            for _ in range(2):
                found: list[Any] = await self._script(name)(keys=keys, args=[seeded, *args])
                if found[0] != "unseeded":
                    return found
                await self._replace(keys, self.seeds[collection], only_if_unseeded=True)
        raise StoreUnavailable(f"state store {self._store.where}: {collection} could not be seeded")

    async def _replace(self, keys: list[str], items: Seed, only_if_unseeded: bool) -> None:
        args: list[str | int] = ["0", IDLE_SECONDS, "1" if only_if_unseeded else "0"]
        for key, place, item in items:
            args += [key, place, dumps(item).decode()]
        await self._script("replace")(keys=keys, args=args)

    async def create(
        self, session: str, collection: str, item: dict[str, Any], ids: IdRule, unique: str | None = None
    ) -> Created:
        prefix = "{" + dumps(ids.field).decode() + ":"
        args: list[str | int] = [IDLE_SECONDS, dumps(item).decode(), prefix, ids.kind, MAX_RESOURCES, MAX_BYTES]
        args.append(unique or "")
        found = await self._run("create", session, collection, *args)
        if found[0] == "full":
            return Created("full", None)
        return Created(found[0], Stored(load_item(found[1]), found[1]))

    async def get(self, session: str, collection: str, key: str) -> Stored | None:
        found = await self._run("get", session, collection, key)
        return Stored(load_item(found[1]), found[1]) if found[0] == "found" else None

    async def find(self, session: str, collection: str, unique: str) -> Stored | None:
        found = await self._run("find", session, collection, unique)
        return Stored(load_item(found[1]), found[1]) if found[0] == "found" else None

    async def swap(
        self,
        session: str,
        collection: str,
        key: str,
        old: str,
        new: dict[str, Any],
        messages: list[dict[str, Any]] | None = None,
    ) -> Swapped:
        args: list[str | int] = [IDLE_SECONDS, key, old, dumps(new).decode(), MAX_BYTES, MAX_MESSAGES, '{"id":']
        args += [dumps(m).decode() for m in messages or ()]
        found = await self._run("swap", session, collection, *args)
        return Swapped(found[0], [load_item(raw) for raw in found[1:]])

    async def delete(self, session: str, collection: str, key: str) -> bool:
        found = await self._run("delete", session, collection, IDLE_SECONDS, key, MAX_MESSAGES)
        return bool(found[0] == "deleted")

    async def page(self, session: str, collection: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        found = await self._run("page", session, collection, offset, limit)
        return int(found[1]), [load_item(raw) for raw in found[2:] if raw]

    async def messages(self, session: str, collection: str, key: str) -> list[dict[str, Any]] | None:
        found = await self._run("messages", session, collection, key, MAX_MESSAGES)
        return [load_item(raw) for raw in found[1:]] if found[0] == "found" else None

    async def replace(self, session: str, collection: str, items: Seed) -> None:
        with self._reachable():
            await self._replace(self._keys(session, collection), items, only_if_unseeded=False)
