from __future__ import annotations

import httpx

from mockserver.config import KeyPolicy
from mockserver.mock import build_mock
from mockserver.testing.in_process import BASE_URL, default_settings, transport

VALID = {"uid": "user-1", "srcs": ["123"]}
CREATE = "/api/v1/iframe/create"


def test_a_sync_client_talks_to_the_app_with_no_socket() -> None:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        r = client.post(CREATE, json={**VALID, "ttl": 60})
        key = r.json()["cache_key"]
        assert r.json()["iframe_url"] == f"{BASE_URL}/iframe/{key}/"
        assert client.get(f"/api/v1/iframe/token/{key}").status_code == 200
        t.handle.clock.advance(60)
        assert client.get(f"/api/v1/iframe/token/{key}").status_code == 404


async def test_an_async_client_uses_the_same_transport() -> None:
    t = transport()
    async with httpx.AsyncClient(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        r = await client.post(CREATE, json=VALID)
        assert r.status_code == 200
        assert (await client.get(f"/iframe/{r.json()['cache_key']}/")).status_code == 200


async def test_a_sync_client_works_inside_an_async_test() -> None:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        assert client.post(CREATE, json=VALID).status_code == 200


def test_the_key_is_the_first_one_configured() -> None:
    t = transport(build_mock(default_settings(api_keys={"sk-mine": KeyPolicy()})))
    assert t.handle.api_key == "sk-mine"
    with httpx.Client(transport=t, base_url=t.url) as client:
        assert client.post(CREATE, json=VALID, headers={"Authorization": "Bearer sk-test"}).status_code == 401
        assert client.post(CREATE, json=VALID, headers=t.handle.headers).status_code == 200


def test_reset_forgets_links_and_restores_the_clock() -> None:
    t = transport()
    start = t.handle.clock.now()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        key = client.post(CREATE, json=VALID).json()["cache_key"]
        t.handle.clock.advance(10)
        t.handle.reset()
        assert t.handle.clock.now() == start
        assert client.get(f"/api/v1/iframe/token/{key}").status_code == 404


def test_sessions_are_separate() -> None:
    t = transport()
    other = t.handle.for_session("other")
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        key = client.post(CREATE, json=VALID, headers={"X-Mock-Session": "other"}).json()["cache_key"]
        t.handle.reset()  # the default session only
        assert client.get(f"/api/v1/iframe/token/{key}", headers={"X-Mock-Session": "other"}).status_code == 200
        other.reset()
        assert client.get(f"/api/v1/iframe/token/{key}", headers={"X-Mock-Session": "other"}).status_code == 404
