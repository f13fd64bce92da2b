"""Four of camelAI's operations, their happy paths and two unhappy ones (a refused ttl, a rate limit forced with
`Prefer`), with the mock's pytest plugin. `pytest` here prints which documented answers these tests never saw."""

from __future__ import annotations

import httpx
import pytest

from mockserver.testing import MockHandle


@pytest.fixture
def client(camel_mock_fresh: MockHandle) -> httpx.Client:
    return httpx.Client(base_url=camel_mock_fresh.url, headers=camel_mock_fresh.headers)


def test_an_iframe_link(client: httpx.Client) -> None:
    r = client.post("/api/v1/iframe/create", json={"uid": "user-1", "srcs": ["1"], "ttl": 600})
    assert r.status_code == 200 and r.json()["expires_in"] == 600


def test_a_ttl_too_short_is_refused(client: httpx.Client, camel_mock_fresh: MockHandle) -> None:
    with camel_mock_fresh.expect_invalid():  # sent on purpose: --camel-mock-strict lets it pass
        r = client.post("/api/v1/iframe/create", json={"uid": "user-1", "srcs": ["1"], "ttl": 5})
    assert r.status_code == 400 and "ttl" in r.json()["error"]


def test_a_rate_limited_create(client: httpx.Client) -> None:
    r = client.post("/api/v1/iframe/create", json={"uid": "user-1", "srcs": ["1"]}, headers={"Prefer": "code=429"})
    assert r.status_code == 429


def test_the_knowledge_base_and_threads_start_empty(client: httpx.Client) -> None:
    assert client.get("/api/v1/knowledge-base/").status_code == 200
    assert client.get("/api/v1/threads/").status_code == 200


def test_an_unknown_knowledge_base_entry(client: httpx.Client) -> None:
    assert client.get("/api/v1/knowledge-base/999/").status_code == 404
