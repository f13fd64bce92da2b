"""Threads are one store: the iframe page's chat, ask_camel and the threads API see the same threads."""

from __future__ import annotations

import httpx
import pytest

from mockserver.config import KeyPolicy, Settings
from mockserver.core.clock import Clock
from mockserver.mock import Mock
from mockserver.testing.in_process import transport
from tests.conftest import AUTH, SPEC_2025, T0, VALID
from tests.server.endpoints.test_collection_endpoints import conforms

THREADS = "/api/v1/threads/"


@pytest.fixture
def settings() -> Settings:
    return Settings(clock=f"frozen:{T0}", spec=SPEC_2025, api_keys={"sk-test": KeyPolicy()})


async def chat_link(client: httpx.AsyncClient, uid: str = "user-1") -> str:
    created = await client.post("/api/v1/iframe/create", json={**VALID, "uid": uid, "srcs": ["7"]}, headers=AUTH)
    assert created.status_code == 200, created.text
    return str(created.json()["cache_key"])


async def test_ask_camel_makes_a_new_thread_each_time_with_the_canned_answer(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    asked = await client.post("/api/v1/ask_camel", json={"message": "Orders by month?", "source_id": 3}, headers=AUTH)
    assert asked.status_code == 200
    assert asked.json()["message"].endswith("You asked: Orders by month?")
    await client.post("/api/v1/ask_camel", json={"message": "And by week?"}, headers=AUTH)
    listing = await client.get(THREADS, headers=AUTH)
    conforms(mock, "threads_list", listing)
    first, second = listing.json()["results"]
    assert first == {
        "id": 1,
        "title": "Orders by month?",
        "created_at": T0,
        "last_modified": T0,
        "connection_ids": [3],
        "connection_names": "3",
        "message_count": "2",
        "source": "API",
        "uid": "api",
    }
    assert second["id"] == 2 and second["connection_ids"] == []
    messages = await client.get(f"{THREADS}1/messages", headers=AUTH)
    conforms(mock, "threads_messages_retrieve", messages)
    assert messages.json()["thread_id"] == 1 and messages.json()["message_count"] == 2
    user, reply = messages.json()["messages"]
    assert user == {"id": 1, "role": "user", "content": "Orders by month?", "created_at": T0, "source": "API"}
    assert reply["role"] == "assistant" and reply["content"] == asked.json()["message"]


async def test_the_iframe_chat_writes_the_uids_thread_which_the_api_reads(
    client: httpx.AsyncClient, mock: Mock, clock: Clock
) -> None:
    key = await chat_link(client)
    await client.post(f"/iframe/{key}/messages", json={"message": "hello"})
    clock.advance(30)
    await client.post(f"/iframe/{key}/messages", json={"message": "again"})
    await client.post(f"/iframe/{await chat_link(client, 'user-2')}/messages", json={"message": "other uid"})
    threads = (await client.get(THREADS, headers=AUTH)).json()["results"]
    assert [(t["uid"], t["title"], t["message_count"], t["source"]) for t in threads] == [
        ("user-1", "hello", "4", "UI"),
        ("user-2", "other uid", "2", "UI"),
    ]
    assert threads[0]["last_modified"] > threads[0]["created_at"] and threads[0]["connection_ids"] == ["7"]
    said = (await client.get(f"{THREADS}1/messages", headers=AUTH)).json()["messages"]
    assert [m["content"] for m in said if m["role"] == "user"] == ["hello", "again"]
    assert said == (await client.get(f"/iframe/{key}/messages")).json()["messages"]


async def test_renaming_and_deleting_a_thread_shows_on_the_page(client: httpx.AsyncClient) -> None:
    key = await chat_link(client)
    await client.post(f"/iframe/{key}/messages", json={"message": "first question"})
    renamed = await client.patch(f"{THREADS}1/", json={"title": "Quarterly revenue"}, headers=AUTH)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Quarterly revenue"
    page = (await client.get(f"/iframe/{key}/")).text
    assert '<h2 id="thread-title">Quarterly revenue</h2>' in page and "first question" in page
    assert (await client.delete(f"{THREADS}1/", headers=AUTH)).status_code == 204
    page = (await client.get(f"/iframe/{key}/")).text
    assert "first question" not in page and "New conversation" in page
    assert (await client.get(f"/iframe/{key}/messages")).json()["messages"] == []
    await client.post(f"/iframe/{key}/messages", json={"message": "a new start"})
    assert [t["id"] for t in (await client.get(THREADS, headers=AUTH)).json()["results"]] == [2]


async def test_an_unknown_thread_is_a_404_in_each_documented_shape(client: httpx.AsyncClient, mock: Mock) -> None:
    messages = await client.get(f"{THREADS}9/messages", headers=AUTH)
    assert messages.status_code == 404 and set(messages.json()) == {"error"}
    conforms(mock, "threads_messages_retrieve", messages)
    thread = await client.get(f"{THREADS}9/", headers=AUTH)
    assert thread.status_code == 404 and set(thread.json()) == {"detail"}
    conforms(mock, "threads_retrieve", thread)
    assert (await client.get(f"{THREADS}x/messages", headers=AUTH)).status_code == 400  # thread_id is an integer


def test_the_chat_works_on_a_document_without_a_threads_collection() -> None:
    t = transport()  # the bundled, iframe-only document
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        key = client.post("/api/v1/iframe/create", json=VALID).json()["cache_key"]
        r = client.post(f"/iframe/{key}/messages", json={"message": "hi"})
        assert r.status_code == 200 and [m["id"] for m in r.json()["messages"]] == [1, 2]
        assert client.get(THREADS).status_code == 404  # no threads API in that document
        assert client.get(f"/iframe/{key}/messages").json()["messages"][0]["content"] == "hi"
