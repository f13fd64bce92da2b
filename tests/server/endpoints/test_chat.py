from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from mockserver.core.clock import Clock, parse_time
from mockserver.core.limits import WINDOW_SECONDS
from tests.conftest import AUTH, T0, VALID


async def create_key(client: httpx.AsyncClient, **extra: Any) -> str:
    r = await client.post("/api/v1/iframe/create", json={**VALID, **extra}, headers=AUTH)
    assert r.status_code == 200, r.text
    key: str = r.json()["cache_key"]
    return key


async def send(client: httpx.AsyncClient, key: str, text: str = "How many orders?") -> httpx.Response:
    return await client.post(f"/iframe/{key}/messages", json={"message": text})


async def test_a_message_gets_a_canned_reply_naming_the_model(client: httpx.AsyncClient) -> None:
    key = await create_key(client, model="o3")
    r = await send(client, key, "Revenue by month?")
    assert r.status_code == 200
    user, reply = r.json()["messages"]
    # The vendor's Message shape: numbered within the thread, and marked as made in the UI.
    assert user == {"id": 1, "role": "user", "content": "Revenue by month?", "created_at": T0, "source": "UI"}
    assert reply["id"] == 2 and reply["role"] == "assistant" and "o3" in reply["content"]
    assert r.json()["rate_limit"] is None and "RateLimit-Limit" not in r.headers


async def test_the_same_uid_shares_its_thread_across_iframes(client: httpx.AsyncClient) -> None:
    first, second = await create_key(client), await create_key(client)
    other = await create_key(client, uid="user-2")
    await send(client, first, "one")
    await send(client, second, "two")
    thread = (await client.get(f"/iframe/{first}/messages")).json()["messages"]
    assert [m["content"] for m in thread if m["role"] == "user"] == ["one", "two"]
    assert (await client.get(f"/iframe/{other}/messages")).json()["messages"] == []


async def test_a_form_post_without_script_redirects_back_to_the_page(client: httpx.AsyncClient) -> None:
    key = await create_key(client)
    r = await client.post(f"/iframe/{key}/messages", data={"message": "from a form"})
    assert r.status_code == 303 and r.headers["location"] == f"/iframe/{key}/"
    page = (await client.get(f"/iframe/{key}/")).text
    assert "from a form" in page


@pytest.mark.parametrize(
    ("content", "ctype", "status", "expected"),
    [
        pytest.param(b"{}", "application/json", 400, "message: is required but missing", id="missing"),
        pytest.param(b'{"message": "  "}', "application/json", 400, 'message: "  " does not match', id="blank"),
        pytest.param(b'{"message": 5}', "application/json", 400, 'message: 5 is not of type "string"', id="number"),
        pytest.param(b"message=", "application/x-www-form-urlencoded", 400, "message", id="empty-form"),
        pytest.param(b"{", "application/json", 400, "not valid JSON", id="bad-json"),
        pytest.param(b"hi", "text/plain", 415, "'text/plain' is not accepted", id="text"),
    ],
)
async def test_bad_messages_get_a_clear_4xx(
    client: httpx.AsyncClient, content: bytes, ctype: str, status: int, expected: str
) -> None:
    key = await create_key(client)
    r = await client.post(f"/iframe/{key}/messages", content=content, headers={"content-type": ctype})
    assert r.status_code == status
    assert expected in r.json()["error"]
    assert (await client.get(f"/iframe/{key}/messages")).json()["messages"] == []


async def test_expiry_end_to_end_follows_the_moved_clock(client: httpx.AsyncClient, clock: Clock) -> None:
    r = await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 60}, headers=AUTH)
    key = r.json()["cache_key"]
    clock.advance(59)
    token = await client.get(f"/api/v1/iframe/token/{key}")
    assert token.status_code == 200 and token.json()["expires_in"] == 1
    claims = jwt.decode(token.json()["token"], options={"verify_signature": False})
    assert claims["iat"] == parse_time(T0) and claims["exp"] == parse_time(T0) + 60
    assert (await client.get(f"/iframe/{key}/")).status_code == 200
    assert (await send(client, key)).status_code == 200

    clock.advance(2)
    assert (await client.get(f"/api/v1/iframe/token/{key}")).status_code == 404
    page = await client.get(f"/iframe/{key}/")
    assert page.status_code == 410 and "has expired" in page.text
    refused = await send(client, key)
    assert refused.status_code == 410 and "expired" in refused.json()["error"]
    assert (await client.get(f"/iframe/{key}/messages")).status_code == 410
    assert (await send(client, "never-issued")).status_code == 404


@pytest.mark.parametrize(("window", "seconds"), [pytest.param(w, int(s), id=w) for w, s in WINDOW_SECONDS.items()])
async def test_each_window_refuses_message_n_plus_one_until_retry_after(
    client: httpx.AsyncClient, clock: Clock, window: str, seconds: int
) -> None:
    limit = 3
    key = await create_key(client, limits={window: limit})
    for left in range(limit - 1, -1, -1):
        r = await send(client, key)
        assert r.status_code == 200
        assert r.headers["RateLimit-Limit"] == str(limit) and r.headers["RateLimit-Remaining"] == str(left)
        clock.advance(1)
    refused = await send(client, key, "one too many")
    assert refused.status_code == 429
    # The oldest message was sent `limit` seconds ago, so it leaves the window in seconds - limit.
    assert refused.headers["Retry-After"] == str(seconds - limit) == refused.headers["RateLimit-Reset"]
    assert refused.headers["RateLimit-Remaining"] == "0"
    error = refused.json()["error"]
    assert f"limits.{window}" in error and f"{limit} of {limit}" in error
    thread = (await client.get(f"/iframe/{key}/messages")).json()["messages"]
    assert len(thread) == 2 * limit and "one too many" not in str(thread)  # neither stored nor counted

    clock.advance(seconds - limit)
    key = await create_key(client, limits={window: limit})  # the first link may have expired by now
    assert (await send(client, key)).status_code == 200
    again = await send(client, key)
    assert again.status_code == 429 and again.headers["Retry-After"] == "1"


async def test_limits_of_a_newer_create_replace_the_older_ones(client: httpx.AsyncClient) -> None:
    key = await create_key(client, limits={"hourly": 2})
    assert [(await send(client, key)).status_code for _ in range(3)] == [200, 200, 429]
    await create_key(client, limits={"hourly": 3, "daily": 10})
    r = await send(client, key)  # the older link now follows the newer limits too
    assert r.status_code == 200 and r.headers["RateLimit-Remaining"] == "0"
    assert (await send(client, key)).status_code == 429
    await create_key(client)  # a create without limits lifts them
    assert (await send(client, key)).status_code == 200


async def test_the_page_shows_the_thread_the_remaining_count_and_the_refusal(client: httpx.AsyncClient) -> None:
    key = await create_key(client, limits={"daily": 1}, theme={"start_message": "<b>hi</b>"})
    assert "1 of 1 messages left in the daily window" in (await client.get(f"/iframe/{key}/")).text
    await send(client, key, "<script>alert(1)</script>")
    page = (await client.get(f"/iframe/{key}/")).text
    assert "0 of 1 messages left" in page and "limits.daily" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page


async def test_the_chat_script_is_served_same_origin(client: httpx.AsyncClient) -> None:
    r = await client.get("/iframe-assets/chat.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "textContent" in r.text and "innerHTML" not in r.text


async def test_a_wrong_method_names_both_allowed_ones(client: httpx.AsyncClient) -> None:
    r = await client.put("/iframe/abc/messages")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


async def test_a_uid_with_nothing_counted_has_nothing_to_wait_for(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/iframe/create", json={**VALID, "limits": {"hourly": 3}}, headers=AUTH)
    listing = await client.get(f"/iframe/{created.json()['cache_key']}/messages")
    assert listing.headers["RateLimit-Remaining"] == "3" and listing.headers["RateLimit-Reset"] == "0"
