from __future__ import annotations

from mockserver.core.limits import Window
from mockserver.store.base import EXPIRED, UNKNOWN, link_bytes
from mockserver.store.memory import EXPIRED_MEMORY, MAX_LIVE_LINK_BYTES, MAX_LIVE_LINKS, MAX_SESSIONS, MemoryStore
from tests.store.test_store import link

HOUR = [Window("hourly", 3600.0, 5)]


async def test_counters_of_idle_buckets_are_dropped_once_their_windows_are_empty() -> None:
    store = MemoryStore()
    for i in range(3):
        await store.hit("s", f"uid:{i}", HOUR, 0.0)
    assert len(store._s("s").stamps) == 3
    await store.hit("s", "uid:other", HOUR, 3600.0)  # every other bucket is now idle
    s = store._s("s")
    assert set(s.stamps) == {"uid:other"} and set(s.stamps_until) == {"uid:other"}


async def test_a_bucket_still_in_use_is_kept() -> None:
    store = MemoryStore()
    await store.hit("s", "uid:a", HOUR, 0.0)
    await store.hit("s", "uid:a", HOUR, 3000.0)
    await store.hit("s", "uid:b", HOUR, 3601.0)
    assert (await store.peek("s", "uid:a", HOUR, 3601.0)).remaining == 3  # one counted, one slot for the peek


async def test_sessions_do_not_share_state() -> None:
    store = MemoryStore()
    await store.hit("a", "uid:u", [Window("hourly", 3600.0, 1)], 0.0)
    assert (await store.hit("b", "uid:u", [Window("hourly", 3600.0, 1)], 0.0)).allowed
    assert not (await store.hit("a", "uid:u", [Window("hourly", 3600.0, 1)], 0.0)).allowed


async def test_a_uids_limits_go_with_its_last_live_link() -> None:
    store = MemoryStore()
    await store.put_link("s", link("long", 3600.0), 0.0)
    await store.put_link("s", link("short", 60.0, limits={"hourly": 2}), 10.0)
    assert await store.get_link("s", "short", 61.0) is EXPIRED
    assert await store.get_limits("s", "u") == {"hourly": 2}  # the longer link still lives
    assert store._s("s").uid_links == {"u": 1}
    assert await store.get_link("s", "long", 3600.0) is EXPIRED
    assert await store.get_limits("s", "u") is None and store._s("s").uid_links == {}


async def test_looking_at_a_session_does_not_create_it() -> None:
    store = MemoryStore()
    assert await store.journal("never-written") == []
    assert await store.get_link("never-written", "key", 0.0) is UNKNOWN
    assert await store.take_fault("never-written", "GET", "/") is None
    assert "never-written" not in store._sessions


async def test_sessions_are_capped_least_recently_written_first() -> None:
    store = MemoryStore()
    for n in range(MAX_SESSIONS + 10):
        await store.journal_append(f"s{n}", {"n": n}, 10)
    await store.journal_append("s10", {"n": "again"}, 10)  # written again: now the most recent
    await store.journal_append("one-more", {}, 10)
    assert len(store._sessions) == MAX_SESSIONS
    assert await store.journal("s0") == [] and await store.journal("s11") == []
    assert await store.journal("s10") == [{"n": 10}, {"n": "again"}]


async def test_links_dropped_past_the_cap_leave_nothing_behind_on_a_frozen_clock() -> None:
    store = MemoryStore()
    for n in range(3 * MAX_LIVE_LINKS):
        await store.put_link("s", link(f"k{n}", 60.0, f"u{n}", limits={"hourly": 1}), 0.0)
    s = store._s("s")
    assert len(s.links) == MAX_LIVE_LINKS and len(s.expired) == EXPIRED_MEMORY
    assert len(s.by_expiry) <= 2 * MAX_LIVE_LINKS
    assert len(s.uid_links) == len(s.limits) == MAX_LIVE_LINKS  # a dropped link's uid goes with it
    assert await store.get_limits("s", f"u{3 * MAX_LIVE_LINKS - 1}") == {"hourly": 1}
    assert await store.get_limits("s", f"u{2 * MAX_LIVE_LINKS - 1}") is None


async def test_links_dropped_past_the_byte_budget_keep_no_uid_on_a_frozen_clock() -> None:
    store = MemoryStore()
    for n in range(100):  # 1 MB uids with limits: each link counts its token (~1.33 MB) and its uid
        await store.put_link("s", link(f"k{n:03}", 60.0, f"{n:03}" + "u" * 999_997, limits={"hourly": 1}), 0.0)
    s = store._s("s")
    assert len(s.links) == len(s.uid_links) == len(s.limits) == MAX_LIVE_LINK_BYTES // 2_333_417 == 14
    assert s.link_bytes == sum(link_bytes(token, uid) for token, uid, _ in s.links.values()) == 14 * 2_333_417
    assert {len(entry) for entry in s.by_expiry} == {2}  # (expires_at, cache key): the heap holds no uid
