"""`RedisStore`: the `Store` protocol kept in Redis, so several workers and replicas share every piece of state.

Keys live under `<prefix>:s:<session, URL-quoted>:...` (one session's state) and `<prefix>:g:...` (the clock, the
signing keys, the per-address counters, and the ranking that keeps at most `MAX_SESSIONS` sessions by the same rule
as `MemoryStore`; see `redis_scripts.SESSIONS`). Expiry follows the mock's clock, which may have been moved: a link's
value carries `expires_at` and is judged against the mock's `now` on every read, while its real Redis TTL (time left
+ `TOMBSTONE_SECONDS`) only keeps Redis bounded and lets an expired key still answer 410 for a day. A session keeps
at most `MAX_LIVE_LINKS` live links of at most `MAX_LIVE_LINK_BYTES` together (a running total kept by the script
that adds them) and remembers `EXPIRED_MEMORY` more cache keys (expired, or dropped past a cap, which are forgotten
first). A link's value holds its token, not its claims again (they are its payload), and a uid's limits are kept
under a digest of the uid, so a long uid is held once, in the token. Everything else has a cap or an idle TTL.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote

import redis.exceptions
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mockserver.config import display_url
from mockserver.core.camelai import CAMELAI
from mockserver.core.clock import ClockState
from mockserver.core.limits import WINDOW_SECONDS, Decision, Window, verdict
from mockserver.store import redis_scripts
from mockserver.store.base import (
    EXPIRED,
    EXPIRED_MEMORY,
    MAX_LIVE_LINK_BYTES,
    MAX_LIVE_LINKS,
    MAX_SESSIONS,
    REMOVED_MEMORY,
    UNKNOWN,
    Link,
    LinkLookup,
    StoreUnavailable,
    link_bytes,
    resource_paths,
)

# A session's byte budget for live links: the links it counts (by expiry), their sizes, and their running total
# (`redis_scripts.SESSIONS` drops them with the session).
BUDGET_KEYS = ("link-live", "link-sizes", "link-bytes")
TOMBSTONE_SECONDS = 86_400  # an expired link still answers 410 (not 404) this long, in real time
IDLE_SECONDS = 7 * 86_400  # limits, collections, journal and faults of a session untouched this long are dropped
# A session's index outlives the keys it names: a counter matters for the longest window.
INDEX_TTL_MS = int((max(WINDOW_SECONDS.values()) + TOMBSTONE_SECONDS) * 1000)
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
POOL_SIZE = 64
POOL_WAIT = 2.0
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

P = ParamSpec("P")
T = TypeVar("T")


def client_options() -> dict[str, Any]:
    """Small timeouts and one immediate reconnect: an outage answers 503 within about a second, never hangs."""
    return {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": READ_TIMEOUT,
        "retry": Retry(NoBackoff(), 1),
        "decode_responses": True,
    }


def _guarded(method: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except UNREACHABLE as exc:
            store = args[0]
            assert isinstance(store, RedisStore)
            raise StoreUnavailable(f"state store {store.where} is unreachable: {exc}") from None

    return call


class _Conn:
    """One client and its scripts; redis-py connections belong to the event loop that opened them."""

    def __init__(self, url: str):
        pool = BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **client_options())
        self.redis = Redis(connection_pool=pool)
        with_sessions = functools.partial(redis_scripts.with_sessions, index_ttl_ms=INDEX_TTL_MS)
        self.put_link = self.redis.register_script(with_sessions(redis_scripts.PUT_LINK))
        self.hit = self.redis.register_script(with_sessions(redis_scripts.HIT))
        self.take_fault = self.redis.register_script(redis_scripts.TAKE_FAULT)
        self.add_fault = self.redis.register_script(with_sessions(redis_scripts.ADD_FAULT))
        self.journal_append = self.redis.register_script(with_sessions(redis_scripts.JOURNAL_APPEND))
        self.remove_resource = self.redis.register_script(with_sessions(redis_scripts.REMOVE_RESOURCE))


class RedisStore:
    def __init__(self, url: str, prefix: str):
        self.url = url
        self.where = display_url(url)
        self.prefix = prefix
        self._conns: dict[asyncio.AbstractEventLoop, _Conn] = {}
        self._now = 0.0  # the mock's time as last told; what "live" means when a journal entry's session is new
        from mockserver.store.redis_resources import RedisResources  # it builds on this module's connections

        self.resources = RedisResources(self)

    def _conn(self) -> _Conn:
        loop = asyncio.get_running_loop()
        conn = self._conns.get(loop)
        if conn is None:
            conn = self._conns[loop] = _Conn(self.url)
        return conn

    def _key(self, session: str | None, *parts: str) -> str:
        """A key of the session's, or with session None of the global namespace."""
        if session is None:
            return ":".join((self.prefix, "g", *parts))
        return ":".join((self.prefix, "s", quote(session, safe=""), *parts))

    def _session_args(self, session: str | None, now: float) -> list[str | int]:
        """What every script writing a session's state gets first (see `redis_scripts`)."""
        if session is None:
            return ["", "", 0, repr(now)]
        return [self.prefix, quote(session, safe=""), MAX_SESSIONS, repr(now)]

    def clock_key(self) -> str:
        return f"{self.prefix}:g:clock"

    @_guarded
    async def put_link(self, session: str, link: Link, now: float) -> None:
        self._now = now
        ttl_ms = int((max(link.expires_at - now, 0.0) + TOMBSTONE_SECONDS) * 1000)
        uid = link.uid
        limits_name = _limits_name(uid)
        keys = [
            self._key(session, "link", link.cache_key),
            self._key(session, "links"),
            self._key(session, "order"),
            self._key(session, limits_name),
            *(self._key(session, name) for name in BUDGET_KEYS),
        ]
        limits = link.claims.get(CAMELAI.create.limits)
        args: list[str | int] = [
            *self._session_args(session, now),
            json.dumps({"cache_key": link.cache_key, "token": link.token, "expires_at": link.expires_at}),
            repr(link.expires_at),
            ttl_ms,
            link.cache_key,
            json.dumps(limits) if limits else "",
            IDLE_SECONDS,
            limits_name,
            repr(now + IDLE_SECONDS),
            MAX_LIVE_LINKS,
            MAX_LIVE_LINKS + EXPIRED_MEMORY,
            TOMBSTONE_SECONDS * 1000,
            link_bytes(link.token, uid),
            MAX_LIVE_LINK_BYTES,
        ]
        await self._conn().put_link(keys=keys, args=args)

    @_guarded
    async def get_link(self, session: str, cache_key: str, now: float) -> LinkLookup:
        self._now = now
        raw = await self._conn().redis.get(self._key(session, "link", cache_key))
        if raw is None:
            return UNKNOWN
        data = json.loads(raw)
        if data["expires_at"] <= now:
            return EXPIRED
        return LinkLookup(Link.from_token(cache_key, data["token"], data["expires_at"]))

    @_guarded
    async def live_links(self, session: str, now: float) -> list[Link]:
        r = self._conn().redis
        keys = [str(k) for k in await r.zrangebyscore(self._key(session, "links"), f"({now!r}", "+inf")]
        if not keys:
            return []
        raws = await r.mget([self._key(session, "link", key) for key in keys])
        found = [json.loads(raw) for raw in raws if raw is not None]
        links = [Link.from_token(d["cache_key"], d["token"], d["expires_at"]) for d in found if d["expires_at"] > now]
        return sorted(links, key=lambda link: link.expires_at)

    @_guarded
    async def get_limits(self, session: str, uid: str) -> dict[str, int] | None:
        raw = await self._conn().redis.get(self._key(session, _limits_name(uid)))
        limits: dict[str, int] | None = json.loads(raw) if raw is not None else None
        return limits

    async def _decide(
        self, session: str | None, bucket: str, windows: list[Window], now: float, count: bool
    ) -> Decision:
        self._now = now
        longest = max((w.seconds for w in windows), default=0.0)
        member = f"{now!r}:{secrets.token_hex(6)}"
        ttl_ms = int((longest + TOMBSTONE_SECONDS) * 1000)
        args: list[str | int] = [
            *self._session_args(session, now),
            member,
            "1" if count else "0",
            ttl_ms,
            repr(now - longest),
            repr(now + longest),
            f"rl:{bucket}",
        ]
        for window in windows:
            args += [f"({now - window.seconds!r}", window.limit]
        found = await self._conn().hit(keys=[self._key(session, "rl", bucket)], args=args)
        tallies = [(int(n), float(score) if n else None) for n, score in zip(found[::2], found[1::2], strict=True)]
        return verdict(windows, tallies, now)

    @_guarded
    async def hit(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        return await self._decide(session, bucket, windows, now, count=True)

    @_guarded
    async def peek(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        return await self._decide(session, bucket, windows, now, count=False)

    async def _list(self, key: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self._conn().redis.lrange(key, 0, -1)]

    @_guarded
    async def remove_resource(self, session: str, path: str, now: float) -> None:
        self._now = now
        args = [*self._session_args(session, now), resource_paths(path)[0], REMOVED_MEMORY, IDLE_SECONDS]
        await self._conn().remove_resource(keys=[self._key(session, "removed")], args=args)

    @_guarded
    async def removed(self, session: str, path: str) -> bool:
        scores = await self._conn().redis.zmscore(self._key(session, "removed"), resource_paths(path))
        return any(score is not None for score in scores)

    @_guarded
    async def journal_append(self, session: str, entry: dict[str, Any], cap: int) -> None:
        args = [*self._session_args(session, self._now), json.dumps(entry), cap, IDLE_SECONDS]
        await self._conn().journal_append(keys=[self._key(session, "journal")], args=args)

    @_guarded
    async def journal(self, session: str) -> list[dict[str, Any]]:
        return await self._list(self._key(session, "journal"))

    @_guarded
    async def journal_clear(self, session: str) -> None:
        await self._conn().redis.delete(self._key(session, "journal"))

    def _fault_keys(self, session: str) -> list[str]:
        return [self._key(session, "faults"), self._key(session, "fault"), self._key(session, "fault-left")]

    @_guarded
    async def add_fault(self, session: str, fault: dict[str, Any], cap: int) -> bool:
        fault_id = secrets.token_hex(8)
        args = [
            *self._session_args(session, self._now),
            fault_id,
            json.dumps(fault),
            int(fault["count"]),
            IDLE_SECONDS,
            cap,
        ]
        return bool(await self._conn().add_fault(keys=self._fault_keys(session), args=args))

    @_guarded
    async def take_fault(self, session: str, method: str, path: str) -> dict[str, Any] | None:
        found = await self._conn().take_fault(keys=self._fault_keys(session), args=[method, path])
        if not found:
            return None
        fault: dict[str, Any] = json.loads(found[0])
        fault["count"] = int(found[1])
        return fault

    @_guarded
    async def faults(self, session: str) -> list[dict[str, Any]]:
        ids, data, left = self._fault_keys(session)
        r = self._conn().redis
        order = await r.lrange(ids, 0, -1)
        if not order:
            return []
        raws, counts = await r.hmget(data, order), await r.hmget(left, order)
        out = []
        for raw, count in zip(raws, counts, strict=True):
            if raw is not None and count is not None:
                out.append({**json.loads(raw), "count": int(count)})
        return out

    @_guarded
    async def clear_faults(self, session: str) -> None:
        await self._conn().redis.delete(*self._fault_keys(session))

    @_guarded
    async def load_clock(self) -> ClockState | None:
        raw = await self._conn().redis.get(self.clock_key())
        return clock_from_json(str(raw)) if raw is not None else None

    @_guarded
    async def save_clock(self, state: ClockState) -> None:
        await self._conn().redis.set(self.clock_key(), clock_to_json(state))

    @_guarded
    async def reset(self, session: str) -> None:
        r = self._conn().redis
        await r.zrem(self._key(None, "sessions"), quote(session, safe=""))
        pattern = _glob_escape(self._key(session)) + ":*"
        batch: list[str] = []
        async for key in r.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await r.unlink(*batch)
                batch = []
        if batch:
            await r.unlink(*batch)

    async def close(self) -> None:
        """Close this event loop's connections (each loop that used the store closes its own)."""
        conn = self._conns.pop(asyncio.get_running_loop(), None)
        if conn is not None:
            await conn.redis.aclose()
            await conn.redis.connection_pool.disconnect()


def clock_to_json(state: ClockState) -> str:
    return json.dumps({"frozen": state.frozen, "value": state.value})


def clock_from_json(raw: str) -> ClockState:
    data = json.loads(raw)
    return ClockState(bool(data["frozen"]), float(data["value"]))


def _limits_name(uid: str) -> str:
    """The uid's limits key (and its name in the session's index): a digest, so a ~1 MB uid is not kept again."""
    return "limits:" + hashlib.blake2b(uid.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
