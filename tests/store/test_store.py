"""The `Store` contract, run against both stores: `RedisStore` must behave exactly as `MemoryStore`."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
import redis

from mockserver.core.clock import ClockState
from mockserver.core.json_codec import dumps
from mockserver.core.limits import Decision, Window, decide
from mockserver.core.tokens import b64url
from mockserver.store.base import (
    EXPIRED,
    EXPIRED_MEMORY,
    MAX_LIVE_LINK_BYTES,
    MAX_LIVE_LINKS,
    MAX_SESSIONS,
    UNKNOWN,
    Link,
    Store,
    StoreUnavailable,
    link_bytes,
)
from mockserver.store.memory import MemoryStore
from mockserver.store.redis import RedisStore
from mockserver.store.resources import IdRule
from tests.redis_server import RedisServer

T = 1_767_225_600.0
HOUR = Window("hourly", 3600, 3)
DAY = Window("daily", 86400, 5)


@pytest.fixture
async def st(store: str, store_prefix: str) -> AsyncIterator[Store]:
    made: Store = MemoryStore() if store == "memory" else RedisStore(store, store_prefix)
    yield made
    await made.close()


def link(key: str, expires_at: float, uid: str = "u", limits: dict[str, int] | None = None, **more: object) -> Link:
    """A link as a create makes it: its token carries its claims (signed here by nobody: stores never verify)."""
    claims: dict[str, object] = {"sub": uid, "exp": expires_at, "jti": key, **more}
    if limits is not None:
        claims["limits"] = limits
    return Link(key, f"e30.{b64url(dumps(claims)).decode()}.c2ln", claims, expires_at)


async def counted_bytes(st: Store, session: str) -> int:
    """The session's running total of live link bytes, as the store keeps it."""
    if isinstance(st, MemoryStore):
        return st._sessions[session].link_bytes
    assert isinstance(st, RedisStore)
    with redis.Redis.from_url(st.url) as r:
        return int(r.get(f"{st.prefix}:s:{session}:link-bytes") or 0)


async def test_links_live_until_the_clock_passes_their_expiry(st: Store) -> None:
    await st.put_link("s", link("a", T + 60), T)
    await st.put_link("s", link("b", T + 30), T)
    assert [x.cache_key for x in await st.live_links("s", T + 1)] == ["b", "a"]
    assert await st.get_link("s", "b", T + 30) is EXPIRED
    assert [x.cache_key for x in await st.live_links("s", T + 30)] == ["a"]
    assert (await st.get_link("s", "a", T + 59.5)).link == link("a", T + 60)
    assert await st.get_link("s", "a", T + 10_000) is EXPIRED
    assert await st.get_link("s", "never", T) is UNKNOWN
    assert await st.live_links("s", T + 10_000) == []


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("a", "b", id="plain"),
        pytest.param("a", "a:s:a", id="colon"),
        pytest.param("*", "x", id="glob"),
        pytest.param("a b", "a%20b", id="quoted"),
    ],
)
async def test_sessions_are_isolated_and_reset_alone(st: Store, one: str, other: str) -> None:
    for session in (one, other):
        await st.put_link(session, link(f"k-{session}", T + 60, limits={"hourly": 2}), T)
        await st.hit(session, "u", [HOUR], T)
        await st.journal_append(session, {"n": session}, 10)
        await st.resources.create(session, "things", {"m": session}, IdRule("id", "integer"))
        await st.add_fault(session, {"path": "/x", "count": 1}, 10)
    assert await st.get_link(one, f"k-{other}", T) is UNKNOWN
    assert await st.journal(one) == [{"n": one}]
    await st.reset(one)
    assert await st.get_link(one, f"k-{one}", T) is UNKNOWN
    assert (await st.peek(one, "u", [HOUR], T)).remaining == 2
    assert (await st.get_limits(one, "u"), await st.journal(one)) == (None, [])
    assert await st.resources.page(one, "things", 0, 10) == (0, [])
    assert await st.resources.page(other, "things", 0, 10) == (1, [{"id": 1, "m": other}])
    assert await st.faults(one) == []
    assert (await st.get_link(other, f"k-{other}", T)).link == link(f"k-{other}", T + 60, limits={"hourly": 2})
    assert (await st.peek(other, "u", [HOUR], T)).remaining == 1
    assert await st.journal(other) == [{"n": other}]


async def test_each_create_sets_replaces_or_clears_the_uids_limits(st: Store) -> None:
    assert await st.get_limits("s", "u") is None
    await st.put_link("s", link("a", T + 60, limits={"hourly": 3}), T)
    await st.put_link("s", link("b", T + 60, limits={"hourly": 4, "daily": 9}), T)
    assert await st.get_limits("s", "u") == {"hourly": 4, "daily": 9}
    await st.put_link("s", link("c", T + 60, uid="other", limits={"hourly": 1}), T)
    assert await st.get_limits("s", "u") == {"hourly": 4, "daily": 9}  # another uid's create leaves them
    await st.put_link("s", link("d", T + 60), T)  # a create without limits
    assert await st.get_limits("s", "u") is None


@pytest.mark.parametrize(
    ("windows", "times", "expected"),
    [
        pytest.param([], [0], [Decision(True, None, 0, 0.0)], id="no-windows"),
        pytest.param(
            [HOUR],
            [0, 10, 20, 30],
            [
                Decision(True, HOUR, 2, 3600),
                Decision(True, HOUR, 1, 3590),
                Decision(True, HOUR, 0, 3580),
                Decision(False, HOUR, 0, 3570),
            ],
            id="hourly-fills",
        ),
        pytest.param(
            [HOUR],
            [0, 10, 20, 3600, 3605],
            [
                *[Decision(True, HOUR, n, 3600 - t) for n, t in ((2, 0), (1, 10), (0, 20))],
                Decision(True, HOUR, 0, 10),
                Decision(False, HOUR, 0, 5),
            ],
            id="slides",
        ),
        pytest.param(
            [DAY, HOUR],
            [0, 1, 2, 4000, 4001, 4002],
            [
                Decision(True, HOUR, 2, 3600),
                Decision(True, HOUR, 1, 3599),
                Decision(True, HOUR, 0, 3598),
                Decision(True, DAY, 1, 82400),
                Decision(True, DAY, 0, 82399),
                Decision(False, DAY, 0, 82398),
            ],
            id="tightest-window",
        ),
    ],
)
async def test_hit_mirrors_decide(
    st: Store, windows: list[Window], times: list[float], expected: list[Decision]
) -> None:
    got = [await st.hit("s", "b", windows, T + t) for t in times]
    assert got == expected


async def test_hit_and_peek_agree_with_decide_over_a_random_walk(st: Store) -> None:
    rng = random.Random(5)
    windows = [Window("minute", 60, 4), Window("hour", 3600, 9)]
    stamps: list[float] = []
    now = T
    for _ in range(200):
        now += rng.choice([0.0, 0.001, 0.5, 7.25, 30.0, 1 / 3, 400.0])
        expected = decide([t for t in stamps if t > now - 3600], windows, now)
        assert await st.peek("s", "b", windows, now) == expected
        assert await st.hit("s", "b", windows, now) == expected
        if expected.allowed:
            stamps.append(now)


async def test_hits_racing_on_one_bucket_let_exactly_the_limit_through(st: Store) -> None:
    window = Window("hourly", 3600, 7)
    decisions = await asyncio.gather(*(st.hit("s", "b", [window], T) for _ in range(40)))
    assert sum(d.allowed for d in decisions) == 7


@pytest.mark.parametrize("cap", [pytest.param(3, id="cap-3"), pytest.param(0, id="cap-0")])
async def test_the_journal_stays_within_its_cap(st: Store, cap: int) -> None:
    for n in range(5):
        await st.journal_append("s", {"n": n, "nested": {"x": [1.5, None]}}, cap)
    assert await st.journal("s") == [{"n": n, "nested": {"x": [1.5, None]}} for n in range(5)][5 - cap :]
    await st.journal_clear("s")
    assert await st.journal("s") == []


async def test_faults_are_used_up_in_order(st: Store) -> None:
    await st.add_fault("s", {"method": "post", "path": "/a", "count": 2, "status": 500, "extra": []}, 10)
    await st.add_fault("s", {"path": None, "count": 1, "status": 429}, 10)
    assert await st.take_fault("s", "GET", "/b") == {"path": None, "count": 0, "status": 429}
    assert await st.take_fault("s", "GET", "/b") is None
    assert await st.take_fault("s", "POST", "/a") == {
        "method": "post",
        "path": "/a",
        "count": 1,
        "status": 500,
        "extra": [],
    }
    assert await st.faults("s") == [{"method": "post", "path": "/a", "count": 1, "status": 500, "extra": []}]
    assert (await st.take_fault("s", "POST", "/a") or {})["count"] == 0
    assert await st.faults("s") == []
    await st.add_fault("s", {"count": 3}, 10)
    await st.clear_faults("s")
    assert await st.faults("s") == [] and await st.take_fault("s", "GET", "/") is None


async def test_clock_is_saved_and_loaded(st: Store) -> None:
    assert await st.load_clock() is None
    await st.save_clock(ClockState(True, T + 0.125))
    assert await st.load_clock() == ClockState(True, T + 0.125)


async def test_a_deleted_resource_is_gone_with_everything_under_it_until_the_session_is_reset(st: Store) -> None:
    await st.remove_resource("s", "/api/v1/threads/5/", T)
    for gone in ("/api/v1/threads/5/", "/api/v1/threads/5", "/api/v1/threads/5/messages"):
        assert await st.removed("s", gone), gone
    for there in ("/api/v1/threads/50/", "/api/v1/threads/", "/api/v1/threads", "/api/v1/thread/5/"):
        assert not await st.removed("s", there), there
    assert not await st.removed("other", "/api/v1/threads/5/")
    await st.reset("s")
    assert not await st.removed("s", "/api/v1/threads/5/")


async def test_the_newest_deletions_are_remembered(st: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(st).__module__ + ".REMOVED_MEMORY", 3)
    for n in range(3):
        await st.remove_resource("s", f"/things/{n}", T + n)
    await st.remove_resource("s", "/things/0/", T + 3)  # deleted again: now the newest
    await st.remove_resource("s", "/things/3", T + 4)  # one over the cap: the oldest, /things/1, is forgotten
    assert [await st.removed("s", f"/things/{n}") for n in range(4)] == [True, False, True, True]


@pytest.mark.redis
async def test_every_redis_key_has_an_expiry_or_a_cap(redis_server: RedisServer, store_prefix: str) -> None:
    st = RedisStore(redis_server.url, store_prefix)
    await st.put_link("s", link("a", T + 60, limits={"hourly": 1}), T)
    await st.hit("s", "u", [HOUR], T)
    thread = await st.resources.create("s", "threads", {}, IdRule("id", "integer"), unique="chat:u")
    assert thread.stored is not None
    await st.resources.swap("s", "threads", "1", thread.stored.raw, {"id": 1, "title": "t"}, [{"m": 1}])
    await st.journal_append("s", {"n": 1}, 5)
    await st.add_fault("s", {"count": 1}, 10)
    await st.remove_resource("s", "/things/1/", T)
    await st.close()
    with redis.Redis.from_url(redis_server.url) as r:
        keys = list(r.scan_iter(match=f"{store_prefix}:s:*"))
        # The links, by expiry and by creation, the byte budget's three, the index naming the per-uid keys, limits,
        # counter, journal, three of faults, the deleted paths, a collection's six and the set naming its collections.
        assert len(keys) == 21
        assert all(r.ttl(key) > 0 for key in keys)
        # Outside sessions: their ranking, capped at MAX_SESSIONS, and the counter that orders it.
        assert sorted(r.scan_iter(match=f"{store_prefix}:g:*")) == [
            f"{store_prefix}:g:{name}".encode() for name in ("seq", "sessions")
        ]
        assert r.zcard(f"{store_prefix}:g:sessions") == 1
        # A link's real TTL is its time left on the mock's clock plus the day it answers 410.
        assert 86_400 + 50 < r.ttl(f"{store_prefix}:s:s:link:a") <= 86_400 + 60


@pytest.mark.redis
async def test_redis_names_a_uids_limits_by_a_digest_not_by_the_uid(
    redis_server: RedisServer, store_prefix: str
) -> None:
    st = RedisStore(redis_server.url, store_prefix)
    uid = "u" * 1_000_000
    try:
        await st.put_link("s", link("a", T + 60, uid, limits={"hourly": 1}), T)
        assert await st.get_limits("s", uid) == {"hourly": 1}
        assert await st.get_limits("s", "u") is None
    finally:
        await st.close()
    with redis.Redis.from_url(redis_server.url) as r:
        names = [*r.scan_iter(match=f"{store_prefix}:*"), *r.zrange(f"{store_prefix}:s:s:keys", 0, -1)]
        assert max(len(name) for name in names) == len(f"{store_prefix}:s:s:limits:") + 32


@pytest.mark.redis
async def test_an_unreachable_redis_raises_store_unavailable_naming_it() -> None:
    server = RedisServer().start()
    st = RedisStore(server.url, "outage")
    await st.put_link("s", link("a", T + 60), T)
    server.stop()
    with pytest.raises(StoreUnavailable, match=rf"state store redis://127\.0\.0\.1:{server.port}/0 is unreachable"):
        await st.get_link("s", "a", T)
    server.start()  # same port, empty: the pool reconnects by itself
    try:
        assert await st.get_link("s", "a", T) is UNKNOWN
    finally:
        await st.close()
        server.stop()


async def test_new_names_holding_nothing_replace_each_other_not_sessions_holding_links_faults_or_items(
    st: Store,
) -> None:
    await st.put_link("live", link("a", T + 60), T)
    await st.add_fault("faulty", {"path": "/x", "count": 1}, 10)
    await st.journal_append("stocked", {"n": 0}, 10)  # the journal is what names a session in the ranking
    await st.resources.create("stocked", "things", {"m": 1}, IdRule("id", "integer"))
    for n in range(1_000):
        await st.journal_append(f"churn-{n}", {"n": n}, 10)
    assert (await st.get_link("live", "a", T)).link == link("a", T + 60)
    assert [f["path"] for f in await st.faults("faulty")] == ["/x"]
    assert await st.resources.page("stocked", "things", 0, 10) == (1, [{"id": 1, "m": 1}])
    kept = [n for n in range(1_000) if await st.journal(f"churn-{n}")]
    assert kept == list(range(1_000 - (MAX_SESSIONS - 3), 1_000))  # the 253 newest, beside the three holding sessions


async def test_a_session_dropped_past_the_cap_takes_its_collections_with_it(st: Store) -> None:
    await st.journal_append("old", {"n": 0}, 10)
    await st.resources.create("old", "things", {"m": 1}, IdRule("id", "integer"))
    for n in range(MAX_SESSIONS):
        await st.put_link(f"s{n}", link(f"k{n}", T + 60), T)
    assert await st.resources.page("old", "things", 0, 10) == (0, [])


async def test_with_every_session_holding_a_link_a_new_name_is_not_journaled_and_a_create_replaces_the_oldest(
    st: Store,
) -> None:
    for n in range(MAX_SESSIONS):
        await st.put_link(f"s{n}", link(f"k{n}", T + 60), T)
    await st.journal_append("new", {"n": 1}, 10)
    assert await st.journal("new") == []
    await st.put_link("newest", link("k", T + 60), T)
    assert await st.get_link("s0", "k0", T) is UNKNOWN
    assert (await st.get_link("s1", "k1", T)).link == link("k1", T + 60)
    assert (await st.get_link("newest", "k", T)).link == link("k", T + 60)


async def test_a_session_whose_links_all_expired_holds_nothing(st: Store) -> None:
    await st.put_link("old", link("a", T + 60), T)
    for n in range(MAX_SESSIONS - 1):
        await st.put_link(f"s{n}", link(f"k{n}", T + 3600), T)
    assert (await st.get_link("s0", "k0", T + 61)).link == link("k0", T + 3600)  # the mock's clock moved on
    await st.journal_append("new", {"n": 1}, 10)
    assert await st.journal("new") == [{"n": 1}]
    assert await st.get_link("old", "a", T + 61) is UNKNOWN


async def test_the_global_namespace_is_out_of_reach_of_session_churn_and_reset(st: Store) -> None:
    window = [Window("minute", 60, 1)]
    assert (await st.hit(None, "ip:10.0.0.1", window, T)).allowed
    for n in range(MAX_SESSIONS + 10):
        await st.put_link(f"s{n}", link(f"k{n}", T + 60), T)
    await st.reset("default")
    assert not (await st.hit(None, "ip:10.0.0.1", window, T)).allowed
    assert (await st.hit("default", "ip:10.0.0.1", window, T)).allowed  # a session's bucket of that name is another


async def put_many(st: Store, session: str, keys: list[str], expires_at: float, now: float) -> None:
    """Many creates, 500 at a time: their order among themselves does not matter here."""
    for start in range(0, len(keys), 500):
        await asyncio.gather(*(st.put_link(session, link(key, expires_at), now) for key in keys[start : start + 500]))


async def test_a_session_keeps_its_newest_live_links_up_to_the_cap_the_oldest_answering_as_expired(
    st: Store,
) -> None:
    await st.put_link("s", link("oldest", T + 60), T)  # on a frozen clock links never expire by themselves
    await put_many(st, "s", [f"k{n}" for n in range(MAX_LIVE_LINKS - 1)], T + 60, T)
    assert (await st.get_link("s", "oldest", T)).link == link("oldest", T + 60)  # at the cap, every link is kept
    await st.put_link("s", link("newest", T + 60), T)
    assert await st.get_link("s", "oldest", T) is EXPIRED
    assert (await st.get_link("s", "newest", T)).link == link("newest", T + 60)
    assert (await st.get_link("s", "k0", T)).link == link("k0", T + 60)
    assert len(await st.live_links("s", T)) == MAX_LIVE_LINKS


def big_link(key: str, expires_at: float, uid: str = "u") -> Link:
    """A link of about 1 MiB: a create with a 786,432-character `srcs` item."""
    return link(key, expires_at, uid, srcs=["x" * 786_432])


BIG = link_bytes(big_link("k000", T).token, "u")  # keys of one length: every big link counts the same


async def live_bytes(st: Store, session: str, now: float) -> int:
    """The walk the running total saves: what the session's live links count, summed."""
    return sum(link_bytes(x.token, x.uid) for x in await st.live_links(session, now))


async def test_a_sessions_live_links_stay_within_the_byte_budget_the_oldest_answering_as_expired(st: Store) -> None:
    assert (BIG, MAX_LIVE_LINK_BYTES // BIG) == (1_048_660, 31)
    for n in range(31 + 5):  # on a frozen clock links never expire by themselves
        await st.put_link("s", big_link(f"k{n:03}", T + 60), T)
    for n in range(5):
        assert await st.get_link("s", f"k{n:03}", T) is EXPIRED
    assert (await st.get_link("s", "k005", T)).link == big_link("k005", T + 60)
    assert (await st.get_link("s", "k035", T)).link == big_link("k035", T + 60)
    assert [x.cache_key for x in await st.live_links("s", T)] == [f"k{n:03}" for n in range(5, 36)]
    assert await counted_bytes(st, "s") == await live_bytes(st, "s", T) == 31 * BIG == 32_508_460
    assert 31 * BIG <= MAX_LIVE_LINK_BYTES < 32 * BIG


async def test_big_creates_drop_as_many_ordinary_links_as_they_need(st: Store) -> None:
    def ordinary(key: str) -> Link:
        return link(key, T + 60, srcs=["x" * 700])

    assert link_bytes(ordinary("o0000").token, "u") == 1_018
    keys = [f"o{n:04}" for n in range(9_000)]  # 9,162,000 bytes: under both caps
    for start in range(0, len(keys), 500):  # 500 at a time: the order within a batch does not matter here
        await asyncio.gather(*(st.put_link("s", ordinary(key), T) for key in keys[start : start + 500]))
    for n in range(24):  # the 24th would pass the budget by 775,408 bytes: 762 ordinary links make room
        await st.put_link("s", big_link(f"k{n:03}", T + 60), T)
    live = {x.cache_key for x in await st.live_links("s", T)}
    assert len(live) == 24 + 9_000 - 762
    assert len([key for key in keys[:1_000] if key not in live]) == 762
    assert set(keys[1_000:]) <= live and {f"k{n:03}" for n in range(24)} <= live
    assert await counted_bytes(st, "s") == await live_bytes(st, "s", T) == 33_554_124 <= MAX_LIVE_LINK_BYTES


async def test_links_stop_counting_against_the_byte_budget_once_expired(st: Store) -> None:
    for n in range(31):
        await st.put_link("s", big_link(f"a{n:03}", T + 60), T)
    assert await counted_bytes(st, "s") == 31 * BIG
    for n in range(31):  # the first ones expired at T + 60: they make room without being dropped
        await st.put_link("s", big_link(f"b{n:03}", T + 3600), T + 60)
        assert await counted_bytes(st, "s") == (n + 1) * BIG
    assert [x.cache_key for x in await st.live_links("s", T + 60)] == [f"b{n:03}" for n in range(31)]
    assert await st.get_link("s", "a030", T + 60) is EXPIRED


async def test_claims_are_read_back_from_the_token(st: Store) -> None:
    made = link("k", T + 60, uid="ü-☃-" + "x" * 100, theme_id=2**70, srcs=["1", "2"], limits={"hourly": 3})
    assert (await st.get_link("s", "k", T)).link is None
    await st.put_link("s", made, T)
    found = (await st.get_link("s", "k", T)).link
    assert found == made and found is not None and found.claims["theme_id"] == 2**70
    assert await st.live_links("s", T) == [made]
    assert await st.get_limits("s", made.uid) == {"hourly": 3}


@pytest.mark.redis
async def test_redis_keeps_a_sessions_live_links_and_remembered_keys_within_their_caps(
    redis_server: RedisServer, store_prefix: str
) -> None:
    st = RedisStore(redis_server.url, store_prefix)
    await put_many(st, "s", [f"k{n}" for n in range(MAX_LIVE_LINKS + EXPIRED_MEMORY + 100)], T + 60, T)
    await st.close()
    with redis.Redis.from_url(redis_server.url) as r:
        links = sum(1 for _ in r.scan_iter(match=f"{store_prefix}:s:s:link:*", count=1000))
        assert links == MAX_LIVE_LINKS + EXPIRED_MEMORY
        assert r.zcard(f"{store_prefix}:s:s:links") == MAX_LIVE_LINKS + EXPIRED_MEMORY
        assert r.zcard(f"{store_prefix}:s:s:order") == MAX_LIVE_LINKS


@pytest.mark.redis
async def test_redis_keeps_the_byte_budgets_keys_expiring_together_and_drops_them_with_the_session(
    redis_server: RedisServer, store_prefix: str
) -> None:
    st = RedisStore(redis_server.url, store_prefix)
    budget = [f"{store_prefix}:s:old:{name}" for name in ("link-live", "link-sizes", "link-bytes")]
    try:
        with redis.Redis.from_url(redis_server.url) as r:
            await st.put_link("old", link("a", T + 60), T)
            await st.put_link("old", link("b", T + 3600), T)
            assert r.exists(*budget) == 3 and len({r.pexpiretime(key) for key in budget}) == 1
            assert 86_400 + 3_590 < r.ttl(budget[0]) <= 86_400 + 3_600  # as long as the longest-lived link's
            await st.put_link("old", link("c", T + 60), T + 120)  # a expired, and the new link lives less than b
            assert r.exists(*budget) == 3 and len({r.pexpiretime(key) for key in budget}) == 1
            for n in range(MAX_SESSIONS):
                await st.put_link(f"s{n}", link("a", T + 60), T)
            assert list(r.scan_iter(match=f"{store_prefix}:s:old:*")) == []
    finally:
        await st.close()


async def test_adds_racing_on_a_full_queue_queue_exactly_the_cap(st: Store) -> None:
    added = await asyncio.gather(*(st.add_fault("s", {"count": 1, "n": n}, 7) for n in range(30)))
    assert sum(added) == 7 and len(await st.faults("s")) == 7
    await st.clear_faults("s")
    assert await st.add_fault("s", {"count": 1}, 7)
