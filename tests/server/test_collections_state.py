"""A hypothesis state machine drives a collection (create, retrieve, list, patch, delete, clock moves) against the
mock, on each store, and compares every answer with a plain model of a collection."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from mockserver.config import KeyPolicy, Settings
from mockserver.core.clock import format_time
from mockserver.mock import build_mock
from mockserver.testing.in_process import transport
from tests.conftest import SPEC_2025, T0
from tests.server.endpoints.test_collection_endpoints import KB

CONTENT = st.text(min_size=1, max_size=12)
CONNECTION = st.integers(min_value=-(2**31), max_value=2**31 - 1)


class Model:
    """A collection as a client expects it: items by id, ids counting from 1, oldest first."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def ids(self) -> list[int]:
        return sorted(self.items)


def test_a_collection_behaves_like_a_plain_model_of_one(store: str, store_prefix: str) -> None:
    mock = build_mock(
        Settings(
            clock=f"frozen:{T0}",
            spec=SPEC_2025,
            api_keys={"sk-test": KeyPolicy()},
            store=store,
            store_prefix=store_prefix,
        )
    )
    t = transport(mock)
    client = httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers)

    class Collection(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            t.handle.reset()
            self.model = Model()

        def now(self) -> str:
            return format_time(mock.clock.now())

        @rule(content=CONTENT, connection=CONNECTION)
        def create(self, content: str, connection: int) -> None:
            r = client.post(KB, json={"content": content, "connection_id": connection})
            assert r.status_code == 201, r.text
            expected = {"id": self.model.next_id, "content": content, "connection_id": connection}
            expected |= {"created_at": self.now(), "last_modified": self.now()}
            assert r.json() == expected
            self.model.items[self.model.next_id] = expected
            self.model.next_id += 1

        @rule(data=st.data())
        def retrieve(self, data: st.DataObject) -> None:
            wanted = data.draw(st.sampled_from([*self.model.ids(), self.model.next_id, 0]))
            r = client.get(f"{KB}{wanted}/")
            if wanted in self.model.items:
                assert r.status_code == 200 and r.json() == self.model.items[wanted]
            else:
                assert r.status_code == 404 and f'id: "{wanted}" names no knowledge-base' in r.json()["error"]

        @rule(data=st.data(), content=st.none() | CONTENT, connection=st.none() | CONNECTION)
        def patch(self, data: st.DataObject, content: str | None, connection: int | None) -> None:
            wanted = data.draw(st.sampled_from([*self.model.ids(), self.model.next_id]))
            body = {k: v for k, v in {"content": content, "connection_id": connection}.items() if v is not None}
            r = client.patch(f"{KB}{wanted}/", json=body)
            if wanted not in self.model.items:
                assert r.status_code == 404
                return
            expected = {**self.model.items[wanted], **body, "last_modified": self.now()}
            assert r.status_code == 200 and r.json() == expected
            self.model.items[wanted] = expected

        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            wanted = data.draw(st.sampled_from([*self.model.ids(), self.model.next_id]))
            r = client.delete(f"{KB}{wanted}/")
            if wanted in self.model.items:
                assert r.status_code == 204 and r.content == b""
                del self.model.items[wanted]
            else:
                assert r.status_code == 404

        @rule(page=st.integers(min_value=1, max_value=4), size=st.integers(min_value=1, max_value=3))
        def list_a_page(self, page: int, size: int) -> None:
            r = client.get(KB, params={"page": page, "page_size": size})
            ids = self.model.ids()
            last = max(1, -(-len(ids) // size))
            if page > last:
                assert r.status_code == 404 and f"page: {page} is past the last page, {last}" in r.json()["error"]
                return
            body = r.json()
            assert body["count"] == len(ids)
            assert body["results"] == [self.model.items[i] for i in ids[(page - 1) * size : page * size]]
            assert (body["next"] is None) == (page == last) and (body["previous"] is None) == (page == 1)

        @rule(seconds=st.integers(min_value=1, max_value=3600))
        def time_passes(self, seconds: int) -> None:
            mock.clock.advance(seconds)

        @invariant()
        def nothing_is_lost(self) -> None:
            assert [item["id"] for item in t.handle.resources.list("knowledge-base")] == self.model.ids()

    try:
        run_state_machine_as_test(
            Collection, settings=settings(max_examples=25, stateful_step_count=25, deadline=None, database=None)
        )
    finally:
        client.close()
        t.handle.call(mock.store.close())
        t.close()
