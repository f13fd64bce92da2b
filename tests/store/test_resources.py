"""The `Resources` contract, run against both stores: Redis must answer exactly as memory does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mockserver.store import memory_resources, redis_resources
from mockserver.store.base import Store
from mockserver.store.memory import MemoryStore
from mockserver.store.redis import RedisStore
from mockserver.store.resources import MAX_MESSAGES, IdRule

INTEGER = IdRule("id", "integer")


@pytest.fixture
async def st(store: str, store_prefix: str) -> AsyncIterator[Store]:
    made: Store = MemoryStore() if store == "memory" else RedisStore(store, store_prefix)
    yield made
    await made.close()


async def test_ids_are_sequential_per_collection_and_session_and_written_as_the_schema_types_them(st: Store) -> None:
    r = st.resources
    first = await r.create("s", "kb", {"content": "a"}, INTEGER)
    second = await r.create("s", "kb", {}, INTEGER)
    assert first.outcome == second.outcome == "created"
    assert first.stored is not None and second.stored is not None
    assert first.stored.item == {"id": 1, "content": "a"} and second.stored.item == {"id": 2}
    assert first.stored.raw == '{"id":1,"content":"a"}'
    assert (await r.create("other", "kb", {}, INTEGER)).stored.item == {"id": 1}  # type: ignore[union-attr]
    assert (await r.create("s", "tags", {}, IdRule("slug", "string"))).stored.item == {"slug": "1"}  # type: ignore[union-attr]
    made = await r.create("s", "keys", {"n": 1}, IdRule("uuid", "uuid"))
    assert made.stored is not None and made.stored.item == {"uuid": "00000000-0000-0000-0000-000000000001", "n": 1}
    assert await r.get("s", "keys", "00000000-0000-0000-0000-000000000001") == made.stored


async def test_values_come_back_exactly_as_kept(st: Store) -> None:
    value = {"big": 2**70, "float": 0.1, "text": '日本語 🐪 "q" \\ /', "nested": {"a": [None, True]}}
    made = await st.resources.create("s", "kb", value, INTEGER)
    assert made.stored is not None and made.stored.item == {"id": 1, **value}
    assert (await st.resources.get("s", "kb", "1")) == made.stored
    assert (await st.resources.page("s", "kb", 0, 5))[1] == [{"id": 1, **value}]


async def test_pages_are_in_creation_order_and_deleted_ids_are_not_reused(st: Store) -> None:
    r = st.resources
    for n in range(5):
        await r.create("s", "kb", {"n": n}, INTEGER)
    assert await r.delete("s", "kb", "2") is True
    assert await r.delete("s", "kb", "2") is False
    assert await r.get("s", "kb", "2") is None
    assert await r.page("s", "kb", 1, 2) == (4, [{"id": 3, "n": 2}, {"id": 4, "n": 3}])
    assert await r.page("s", "kb", 4, 2) == (4, [])
    assert await r.page("s", "kb", 0, 0) == (4, [])
    assert (await r.create("s", "kb", {}, INTEGER)).stored.item == {"id": 6}  # type: ignore[union-attr]


async def test_an_update_replaces_only_the_text_it_read(st: Store) -> None:
    r = st.resources
    made = await r.create("s", "kb", {"v": 1}, INTEGER)
    assert made.stored is not None
    first = await r.swap("s", "kb", "1", made.stored.raw, {"id": 1, "v": 2})
    late = await r.swap("s", "kb", "1", made.stored.raw, {"id": 1, "v": 3})
    assert (first.outcome, late.outcome) == ("swapped", "changed")
    assert (await r.get("s", "kb", "1")).item == {"id": 1, "v": 2}  # type: ignore[union-attr]
    assert (await r.swap("s", "kb", "9", "{}", {"id": 9})).outcome == "missing"


async def test_messages_are_numbered_per_item_and_the_newest_kept(st: Store) -> None:
    r = st.resources
    made = await r.create("s", "threads", {}, INTEGER)
    assert made.stored is not None and await r.messages("s", "threads", "1") == []
    raw = made.stored.raw
    for n in range(MAX_MESSAGES // 2 + 1):
        new = {"id": 1, "count": n}
        swapped = await r.swap("s", "threads", "1", raw, new, [{"n": 2 * n}, {"n": 2 * n + 1}])
        assert swapped.messages == [{"id": 2 * n + 1, "n": 2 * n}, {"id": 2 * n + 2, "n": 2 * n + 1}]
        raw = (await r.get("s", "threads", "1")).raw  # type: ignore[union-attr]
    kept = await r.messages("s", "threads", "1")
    assert kept is not None and len(kept) == MAX_MESSAGES
    assert kept[0] == {"id": 3, "n": 2} and kept[-1] == {"id": MAX_MESSAGES + 2, "n": MAX_MESSAGES + 1}
    assert await r.delete("s", "threads", "1")
    assert await r.messages("s", "threads", "1") is None


async def test_a_unique_key_finds_its_item_while_it_lives(st: Store) -> None:
    r = st.resources
    first = await r.create("s", "threads", {"who": "u"}, INTEGER, unique="chat:u")
    again = await r.create("s", "threads", {"who": "other"}, INTEGER, unique="chat:u")
    assert (first.outcome, again.outcome) == ("created", "exists") and again.stored == first.stored
    assert await r.find("s", "threads", "chat:u") == first.stored
    assert await r.find("s", "threads", "chat:nobody") is None
    await r.delete("s", "threads", "1")
    assert await r.find("s", "threads", "chat:u") is None
    after = await r.create("s", "threads", {"who": "u"}, INTEGER, unique="chat:u")
    assert after.outcome == "created" and after.stored is not None and after.stored.item["id"] == 2


async def test_replace_sets_the_collection_and_the_sequence_goes_on(st: Store) -> None:
    r = st.resources
    for _ in range(3):
        await r.create("s", "kb", {}, INTEGER)
    await r.replace("s", "kb", [("7", 7, {"id": 7, "n": "seven"}), ("2", 2, {"id": 2, "n": "two"})])
    assert await r.page("s", "kb", 0, 10) == (2, [{"id": 2, "n": "two"}, {"id": 7, "n": "seven"}])
    assert (await r.create("s", "kb", {}, INTEGER)).stored.item == {"id": 8}  # type: ignore[union-attr]
    await r.replace("s", "kb", [])
    assert await r.page("s", "kb", 0, 10) == (0, [])
    assert (await r.create("s", "kb", {}, INTEGER)).stored.item == {"id": 9}  # type: ignore[union-attr]


async def test_seeds_fill_each_sessions_collection_on_first_use_and_again_after_a_reset(st: Store) -> None:
    r = st.resources
    r.seeds = {"kb": [("1", 1, {"id": 1, "seeded": True}), ("5", 5, {"id": 5, "seeded": True})]}
    assert await r.get("a", "kb", "5") is not None
    assert (await r.create("b", "kb", {}, INTEGER)).stored.item == {"id": 6}  # type: ignore[union-attr]
    assert (await r.page("b", "kb", 0, 10))[0] == 3
    await r.replace("a", "kb", [])  # emptied: it stays empty, seeds or not
    assert await r.page("a", "kb", 0, 10) == (0, [])
    await st.reset("a")
    assert (await r.page("a", "kb", 0, 10))[0] == 2
    assert await r.page("a", "other", 0, 10) == (0, [])


async def test_the_budget_refuses_more_items_or_bytes(st: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (memory_resources, redis_resources):
        monkeypatch.setattr(module, "MAX_RESOURCES", 2)
        monkeypatch.setattr(module, "MAX_BYTES", 64)
    r = st.resources
    assert (await r.create("s", "kb", {"t": "x" * 10}, INTEGER)).outcome == "created"
    assert (await r.create("s", "kb", {"t": "x" * 60}, INTEGER)).outcome == "full"  # 64 bytes in all
    assert (await r.create("s", "kb", {"t": "y"}, INTEGER)).outcome == "created"
    assert (await r.create("s", "kb", {}, INTEGER)).outcome == "full"  # 2 items
    stored = await r.get("s", "kb", "1")
    assert stored is not None
    assert (await r.swap("s", "kb", "1", stored.raw, {"id": 1, "t": "x" * 60})).outcome == "full"
    assert await r.delete("s", "kb", "1")
    created = await r.create("s", "kb", {"t": "x" * 30}, INTEGER)
    assert created.outcome == "created" and created.stored is not None and created.stored.item["id"] == 3


async def test_racing_creates_get_distinct_ids(st: Store) -> None:
    made = await asyncio.gather(*(st.resources.create("s", "kb", {"n": n}, INTEGER) for n in range(30)))
    ids = sorted(m.stored.item["id"] for m in made if m.stored is not None)
    assert ids == list(range(1, 31))
