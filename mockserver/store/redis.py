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
import contextlib
import contextvars
import functools
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote

import hiredis
import orjson
import redis.exceptions
from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mockserver.config import display_url
from mockserver.core.camelai import CAMELAI
from mockserver.core.clock import ClockState
from mockserver.core.coverage import Counts, Tally, decode, decode_first, encode, encode_first
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
from mockserver.store.redis_line import RedisLine
from mockserver.store.redis_scripts import PENDING_TTL
from mockserver.store.round import CURRENT, ClockMoved, FaultTaken, Round, current_round

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
RENEW_SECONDS = 60.0  # a key's TTL is renewed at most this often by one process (its TTL is days)
MAX_RENEWED = 100_000  # keys whose last renewal is remembered; past it, all are forgotten (and renewed once more)
MAX_WAITING_ENTRIES = 10_000  # journal entries waiting for a call, should every call fail
SETTLE_SECONDS = 1.0  # how long a journal reader waits for other processes' entries
SETTLE_POLL = 0.002
MAX_NAMES = 10_000  # session names whose quoted form (and guard keys) are remembered
NO_GUARD_KEYS = ["", "", "", "", ""]

# The scripts a request may call, each run with its round ahead of it (`redis_scripts.in_round`), by name.
_SCRIPTS = {
    "put_link": redis_scripts.PUT_LINK,
    "hit": redis_scripts.HIT,
    "take_fault": redis_scripts.TAKE_FAULT,
    "add_fault": redis_scripts.ADD_FAULT,
    "remove_resource": redis_scripts.REMOVE_RESOURCE,
    "guard": redis_scripts.GUARD,
    "get": redis_scripts.GET,
    "removed": redis_scripts.REMOVED,
    "journal_read": redis_scripts.JOURNAL_READ,
    "coverage_read": redis_scripts.COVERAGE_READ,
}

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
    """One client, its scripts (loaded once, before its first call) and its journal listener; redis-py connections
    belong to the event loop that opened them."""

    def __init__(self, url: str, scripts: dict[str, str], loaded: bool):
        pool = BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **client_options())
        self.redis = Redis(connection_pool=pool)
        self.url = url
        self.scripts = scripts
        self.shas = {name: hashlib.sha1(text.encode()).hexdigest() for name, text in scripts.items()}
        self.loaded = loaded
        self.listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()
        self.load_lock = asyncio.Lock()
        untimed = {**client_options(), "socket_timeout": None}  # the line bounds each call itself
        self.line = RedisLine(ConnectionPool.from_url(url, **untimed), READ_TIMEOUT)

    async def ensure_loaded(self) -> None:
        """The scripts loaded once however many calls find them missing at the same time."""
        if not self.loaded:
            async with self.load_lock:
                if not self.loaded:
                    await self.load()

    async def load(self) -> None:
        """Every script in one round trip, so that NOSCRIPT never reaches a request (unless Redis restarts)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for text in self.scripts.values():
                pipe.script_load(text)
            await pipe.execute()
        self.loaded = True

    async def run(self, name: str, keys: list[str], args: list[str | int]) -> Any:
        return (await self.run_each([(name, keys, args)]))[0]

    async def run_each(self, calls: list[tuple[str, list[str], list[str | int]]]) -> list[Any]:
        """Several scripts in one round trip, each atomic, packed by hiredis and sent on the request path's shared
        connection (redis-py's command layer, its argument checks and timing hooks, cost more CPU than the round
        trip itself); their replies, in order."""
        if not self.loaded:
            await self.ensure_loaded()
        packed = [
            hiredis.pack_command(("EVALSHA", self.shas[name], len(keys), *keys, *args))  # type: ignore[arg-type]
            for name, keys, args in calls
        ]
        try:
            return await self.line.call(packed)
        except redis.exceptions.NoScriptError:  # Redis restarted since the scripts were loaded
            self.loaded = False
            await self.ensure_loaded()
            return await self.line.call(packed)


class RedisStore:
    def __init__(self, url: str, prefix: str):
        self.url = url
        self.where = display_url(url)
        self.prefix = prefix
        self._conns: dict[asyncio.AbstractEventLoop, _Conn] = {}
        self._now = 0.0  # the mock's time as last told; what "live" means when a journal entry's session is new
        # Journal entries of answered requests, written with the next call (store/round.py): (session, JSON, flags,
        # coverage counters as hash fields one a line, the request's time).
        self._entries: list[tuple[str, str, str, str, str]] = []
        self._journal_cap = 0
        self._names: dict[str, str] = {}  # session -> its name in keys
        self._guard_key_lists: dict[tuple[str | None, str | None], list[str]] = {}
        self._renewed: dict[str, float] = {}  # key -> when this process last renewed its TTL (time.monotonic)
        self.scripts = {name: redis_scripts.in_round(text, INDEX_TTL_MS) for name, text in _SCRIPTS.items()}
        self.scripts_loaded = False  # by `SharedStart.load_scripts`, as the mock starts
        from mockserver.store.redis_resources import RedisResources  # it builds on this module's connections

        self.resources = RedisResources(self)  # adds its scripts to `scripts`

    def _conn(self) -> _Conn:
        loop = asyncio.get_running_loop()
        conn = self._conns.get(loop)
        if conn is None:
            conn = self._conns[loop] = _Conn(self.url, self.scripts, self.scripts_loaded)
        return conn

    def _quoted(self, session: str) -> str:
        """The session's name as its keys carry it (URL-quoted), worked out once per name."""
        quoted = self._names.get(session)
        if quoted is None:
            if len(self._names) >= MAX_NAMES:
                self._names.clear()
            quoted = self._names[session] = quote(session, safe="")
        return quoted

    def _key(self, session: str | None, *parts: str) -> str:
        """A key of the session's, or with session None of the global namespace."""
        if session is None:
            return ":".join((self.prefix, "g", *parts))
        return ":".join((self.prefix, "s", self._quoted(session), *parts))

    def _session_args(self, session: str | None, now: float) -> list[str | int]:
        """What every script writing a session's state gets first (see `redis_scripts`)."""
        if session is None:
            return ["", "", 0, repr(now)]
        return [self.prefix, self._quoted(session), MAX_SESSIONS, repr(now)]

    def clock_key(self) -> str:
        return f"{self.prefix}:g:clock"

    def renew(self, key: str, every: float = RENEW_SECONDS) -> bool:
        """Whether a write to `key` should renew its TTL: at most once a minute (`every` s) per key and process (a
        key made since gets its first TTL from the script, which sets one where there is none)."""
        now = time.monotonic()
        if now - self._renewed.get(key, -every) < every:
            return False
        if len(self._renewed) >= MAX_RENEWED:
            self._renewed.clear()
        self._renewed[key] = now
        return True

    async def _call(self, name: str, keys: list[str], args: list[str | int]) -> Any:
        """Run a script with the request's round ahead of it (store/round.py): its guard, if no call of the request
        has run it yet, and the journal entries waiting. Raises `ClockMoved` or `FaultTaken` when the guard trips."""
        conn = self._conn()
        round_ = current_round()
        guard = round_ is not None and not round_.guarded
        entries, self._entries = self._entries, []
        head_keys, head_args = self._head(round_ if guard else None, entries)
        try:
            found = await conn.run(name, [*head_keys, *keys], [*head_args, *args])
        except UNREACHABLE as exc:
            self._entries[:0] = entries  # sent again with the next call (the oldest dropped past MAX_WAITING_ENTRIES)
            del self._entries[: max(len(self._entries) - MAX_WAITING_ENTRIES, 0)]
            if guard and round_ is not None:  # the request is answered 503: its answer need not try the store again
                round_.guarded = True
            raise StoreUnavailable(f"state store {self.where} is unreachable: {exc}") from None
        if round_ is None or not guard:
            return found
        if isinstance(found, list) and found and found[0] in ("!clock", "!fault"):
            if found[0] == "!clock":
                raise ClockMoved(clock_from_json(found[1]) if found[1] else None)
            round_.guarded = True
            round_.counted = round_.journal_session is not None
            fault: dict[str, Any] = json.loads(found[1])
            fault["count"] = int(found[2])
            raise FaultTaken(fault)
        round_.guarded = True
        round_.counted = round_.journal_session is not None
        return found

    async def _call_each(self, calls: list[tuple[str, list[str], list[str | int]]]) -> list[Any]:
        """Several scripts in one round trip, each atomic, outside any round's guard."""
        head_keys, head_args = self._head(None, [])
        with_heads = [(name, [*head_keys, *keys], [*head_args, *args]) for name, keys, args in calls]
        try:
            return await self._conn().run_each(with_heads)
        except UNREACHABLE as exc:
            raise StoreUnavailable(f"state store {self.where} is unreachable: {exc}") from None

    def _head(
        self, round_: Round | None, entries: list[tuple[str, str, str, str, str]]
    ) -> tuple[list[str], list[str | int]]:
        """The round's header (`redis_scripts.ROUND`): the guard when `round_` is given, and `entries` with their
        coverage counters."""
        keys = NO_GUARD_KEYS
        args: list[str | int] = ["0", "", "", ""]
        renew_pending = "0"
        if round_ is not None:
            keys = self._guard_keys(round_.fault_session, round_.journal_session)
            clock = round_.clock
            args = ["1", clock_to_json(clock) if clock is not None else "", round_.method, round_.path]
            renew_pending = "1" if keys[4] and self.renew(keys[4], PENDING_TTL / 3) else "0"
        args += [self.prefix, MAX_SESSIONS, repr(self._now), self._journal_cap, IDLE_SECONDS, renew_pending]
        args.append(len(entries))
        for entry in entries:
            args += entry
        return keys, args

    def _guard_keys(self, fault_session: str | None, journal_session: str | None) -> list[str]:
        """The guard's KEYS (`redis_scripts.ROUND`), worked out once per pair of sessions."""
        keys = self._guard_key_lists.get((fault_session, journal_session))
        if keys is None:
            faults = self._fault_keys(fault_session) if fault_session is not None else ["", "", ""]
            coming = self._key(journal_session, "journal-pending") if journal_session is not None else ""
            if len(self._guard_key_lists) >= MAX_NAMES:
                self._guard_key_lists.clear()
            keys = self._guard_key_lists[(fault_session, journal_session)] = [self.clock_key(), *faults, coming]
        return keys

    @_guarded
    async def guard(self) -> None:
        round_ = current_round()
        if round_ is not None and not round_.guarded:
            await self._call("guard", [], [])

    @_guarded
    async def start(self) -> None:
        """Load the scripts and listen for journal reads of other processes, before the first request."""
        conn = self._conn()
        await conn.ensure_loaded()
        self._listen(conn)
        with contextlib.suppress(TimeoutError):  # a store away now: requests will answer 503 and say so
            await asyncio.wait_for(conn.listening.wait(), READ_TIMEOUT)

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
        await self._call("put_link", keys, args)

    @_guarded
    async def get_link(self, session: str, cache_key: str, now: float) -> LinkLookup:
        self._now = now
        raw = (await self._call("get", [self._key(session, "link", cache_key)], []))[0]
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
        raw = (await self._call("get", [self._key(session, _limits_name(uid))], []))[0]
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
        found = await self._call("hit", [self._key(session, "rl", bucket)], args)
        tallies = [(int(n), float(score) if n else None) for n, score in zip(found[::2], found[1::2], strict=True)]
        return verdict(windows, tallies, now)

    @_guarded
    async def hit(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        return await self._decide(session, bucket, windows, now, count=True)

    @_guarded
    async def peek(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        return await self._decide(session, bucket, windows, now, count=False)

    @_guarded
    async def remove_resource(self, session: str, path: str, now: float) -> None:
        self._now = now
        args = [*self._session_args(session, now), resource_paths(path)[0], REMOVED_MEMORY, IDLE_SECONDS]
        await self._call("remove_resource", [self._key(session, "removed")], args)

    @_guarded
    async def removed(self, session: str, path: str) -> bool:
        found = await self._call("removed", [self._key(session, "removed")], list(resource_paths(path)))
        return bool(found[0])

    @_guarded
    async def journal_append(self, session: str, entry: dict[str, Any], cap: int, counts: Counts = ()) -> None:
        """Within a request's round the entry (and its counters) waits for the next call (or a reader's nudge); else
        it is written now."""
        round_ = current_round()
        self._journal_cap = cap
        renew = "1" if self.renew(self._key(session, "journal")) else "0"
        counted = "1" if round_ is not None and round_.counted and round_.journal_session == session else "0"
        fields, first = (
            ("\n".join(map(encode, counts)), encode_first(entry["epoch"], entry["id"])) if counts else ("", "")
        )
        self._entries.append((self._quoted(session), _entry_json(entry), counted + renew, fields, first))
        if len(self._entries) > MAX_WAITING_ENTRIES:  # only while every call fails: the oldest go
            del self._entries[: len(self._entries) - MAX_WAITING_ENTRIES]
        if round_ is None:
            await self._flush()
        else:
            self._listen(self._conn())

    async def _flush(self) -> None:
        """Write the waiting journal entries, if any (one round trip)."""
        if self._entries:
            token = CURRENT.set(None)  # entries alone, whatever request this runs in
            try:
                await self._call("guard", [], [])
            finally:
                CURRENT.reset(token)

    async def _settled(self, session: str) -> list[Any]:
        return await self._settle(
            "journal_read", [self._key(session, "journal"), self._key(session, "journal-pending")]
        )

    async def _settle(self, script: str, keys: list[str]) -> list[Any]:
        """The session's journal once every request answered so far has its entry in it, with what JOURNAL_READ
        returns: this process's waiting entries written, and other processes nudged to write theirs (they count
        each request as coming from its first call: `Round.counted`). A process that died with entries waiting
        holds a reader up `SETTLE_SECONDS` at most."""
        await self._flush()
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            found: list[Any] = await self._call(script, keys, [])
            if int(found[0]) <= 0 or time.monotonic() > deadline:
                return found[1:]
            await self._conn().redis.publish(self._journal_channel(), "")
            await asyncio.sleep(SETTLE_POLL)

    def _journal_channel(self) -> str:
        return f"{self.prefix}:g:journal-flush"

    def _listen(self, conn: _Conn) -> None:
        """Write this process's waiting entries whenever a reader elsewhere asks (`_settled`)."""
        if conn.listener is not None:
            return

        async def listen() -> None:
            while True:
                listener = Redis.from_url(self.url, **{**client_options(), "socket_timeout": None})
                try:
                    async with listener.pubsub(ignore_subscribe_messages=True) as pubsub:
                        await pubsub.subscribe(self._journal_channel())
                        conn.listening.set()
                        async for _ in pubsub.listen():
                            await self._flush()
                except (*UNREACHABLE, StoreUnavailable):
                    await asyncio.sleep(1.0)  # the store is away: try again, as requests do
                finally:
                    await listener.aclose()

        # A context of its own: not the request's round that happened to start it.
        conn.listener = asyncio.get_running_loop().create_task(listen(), context=contextvars.Context())

    @_guarded
    async def journal(self, session: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self._settled(session)]

    @_guarded
    async def journal_clear(self, session: str) -> None:
        await self._settled(session)
        await self._conn().redis.delete(self._key(session, "journal"))

    @_guarded
    async def coverage(self, session: str | None) -> Tally:
        hashes = [self._key(session, "coverage"), self._key(session, "coverage-first")]
        counts, first = await self._settle("coverage_read", [*hashes, self._key(session, "journal-pending")])
        return Tally(
            {decode(k): int(v) for k, v in zip(counts[::2], counts[1::2], strict=True)},
            {decode(k): decode_first(v) for k, v in zip(first[::2], first[1::2], strict=True)},
        )

    @_guarded
    async def coverage_clear(self, session: str) -> None:
        await self._settle("coverage_read", [self._key(None, "coverage"), "", self._key(None, "journal-pending")])
        keys = ("coverage", "coverage-first")
        await self._conn().redis.delete(*(self._key(s, k) for s in (session, None) for k in keys))

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
        return bool(await self._call("add_fault", self._fault_keys(session), args))

    @_guarded
    async def take_fault(self, session: str, method: str, path: str) -> dict[str, Any] | None:
        found = await self._call("take_fault", self._fault_keys(session), [method, path])
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
        await self._settled(session)  # no entry written after the reset for a request answered before it
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
        """Close this event loop's connections (each loop that used the store closes its own), waiting entries
        written first."""
        conn = self._conns.get(asyncio.get_running_loop())
        if conn is None:
            return
        with contextlib.suppress(StoreUnavailable):
            await self._flush()
        del self._conns[asyncio.get_running_loop()]
        if conn.listener is not None:
            conn.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await conn.listener
        await conn.line.close()
        await conn.redis.aclose()
        await conn.redis.connection_pool.disconnect()


@functools.lru_cache(maxsize=64)  # every request's round carries the clock it ran on, which seldom moves
def clock_to_json(state: ClockState) -> str:
    return json.dumps({"frozen": state.frozen, "value": state.value})


def clock_from_json(raw: str) -> ClockState:
    data = json.loads(raw)
    return ClockState(bool(data["frozen"]), float(data["value"]))


def _entry_json(entry: dict[str, Any]) -> str:
    try:
        return orjson.dumps(entry).decode()
    except TypeError:  # a lone surrogate in a client's text (or an integer past 64 bits): escaped by the stdlib
        return json.dumps(entry)


def _limits_name(uid: str) -> str:
    """The uid's limits key (and its name in the session's index): a digest, so a ~1 MB uid is not kept again."""
    return "limits:" + hashlib.blake2b(uid.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
