from __future__ import annotations

import httpx
import pytest
import redis

from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.store.memory import MAX_SESSIONS, MemoryStore
from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, VALID

CREATE = "/api/v1/iframe/create"
NAME = "équipe-€"


async def test_a_utf8_session_name_means_one_session_in_the_header_and_the_query(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    header = {"X-Mock-Session": NAME.encode()}  # httpx sends bytes as they are, as a browser or curl would
    created = await client.post(CREATE, json=VALID, headers={**AUTH, **header})
    assert created.status_code == 200, created.text
    key = created.json()["cache_key"]
    assert created.json()["iframe_url"].endswith(f"/iframe/{key}/?mock_session=%C3%A9quipe-%E2%82%AC")
    by_header = await client.get(f"/api/v1/iframe/token/{key}", headers=header)
    by_query = await client.get(f"/api/v1/iframe/token/{key}", params={"mock_session": NAME})
    assert (by_header.status_code, by_query.status_code) == (200, 200)
    assert len(await mock.store.journal(NAME)) == 3
    assert len((await client.get("/__mock/requests", headers=header)).json()["requests"]) == 3


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(CREATE, id="create"),
        pytest.param("/__mock/requests", id="admin"),
        pytest.param("/iframe/k/", id="page"),
    ],
)
async def test_a_session_header_that_is_not_utf8_is_a_400_naming_it(
    client: httpx.AsyncClient, mock: Mock, path: str
) -> None:
    latin1 = "équipe".encode("latin-1")
    if path == CREATE:
        r = await client.post(path, json=VALID, headers={**AUTH, "X-Mock-Session": latin1})
    else:
        r = await client.get(path, headers={"X-Mock-Session": latin1})
    assert r.status_code == 400
    assert (
        r.json()["error"] == "X-Mock-Session: b'\\xe9quipe' is not valid UTF-8 (byte 0); send the session name as UTF-8"
    )


def test_a_utf8_session_header_works_over_a_real_socket(live: ThreadedServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        created = client.post(CREATE, json=VALID, headers={**AUTH, "X-Mock-Session": NAME.encode()})
        assert created.status_code == 200, created.text
        page = client.get(created.json()["iframe_url"])
        assert page.status_code == 200
        refused = client.get("/__mock/requests", headers={"X-Mock-Session": b"\xe9quipe"})
        assert refused.status_code == 400 and "is not valid UTF-8" in refused.json()["error"]
        assert len(client.get("/__mock/requests", headers={"X-Mock-Session": NAME.encode()}).json()["requests"]) == 2


CHURN = 1_000  # new session names, far more than the 256 sessions a store keeps


async def churn(client: httpx.AsyncClient) -> None:
    """Unauthenticated requests, each naming a new session and holding nothing."""
    for n in range(CHURN):
        assert (await client.get("/.well-known/jwks.json", headers={"X-Mock-Session": f"churn-{n}"})).status_code == 200


def redis_keys(url: str, prefix: str) -> list[str]:
    with redis.Redis.from_url(url, decode_responses=True) as r:
        return sorted(r.scan_iter(match=f"{prefix}:*", count=1000))


async def test_new_session_names_holding_nothing_do_not_evict_a_live_link(
    client: httpx.AsyncClient, mock: Mock, store: str, store_prefix: str
) -> None:
    key = (await client.post(CREATE, json=VALID, headers=AUTH)).json()["cache_key"]
    await churn(client)
    assert (await client.get(f"/api/v1/iframe/token/{key}")).status_code == 200
    assert len(await mock.store.journal("default")) == 2  # the create and the lookup
    if isinstance(mock.store, MemoryStore):
        assert len(mock.store._sessions) == MAX_SESSIONS
    else:
        keys = redis_keys(store, store_prefix)
        per_session = [k for k in keys if k.startswith(f"{store_prefix}:s:")]
        # default's link, its two link indexes (by expiry, by creation), its byte budget's three keys, its journal
        # and its coverage counters, and the journal of each of the 255 newest names; no more.
        assert len(per_session) == 8 + MAX_SESSIONS - 1
        assert [k.removeprefix(f"{store_prefix}:g:") for k in keys if k not in per_session] == [
            "clock",
            "coverage",
            "seq",
            "sessions",
            "signing-key:ES256",
        ]


async def test_new_session_names_do_not_reset_the_per_address_limit(
    settings: Settings, store: str, store_prefix: str
) -> None:
    mock = build_mock(settings.with_overrides(ip_rate_limit=5, store=store, store_prefix=store_prefix))
    transport = httpx.ASGITransport(app=create_app(mock), client=("10.0.0.9", 1))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            assert [(await client.get("/iframe/nope/")).status_code for _ in range(5)] == [404] * 5
            await churn(client)
            await client.post("/__mock/reset")  # per-address counts belong to no session
            assert [(await client.get("/iframe/nope/")).status_code for _ in range(2)] == [429, 429]
    finally:
        await mock.store.close()


async def test_the_admin_document_states_the_session_cap(client: httpx.AsyncClient) -> None:
    described = (await client.get("/__mock/openapi.json")).json()["info"]["description"]
    assert f"The mock keeps {MAX_SESSIONS} sessions, by last write" in described
