"""`serve --replay FILE.har`: recorded requests get recorded answers; the rest the mock's own, or with --replay-only a
404 naming the closest recorded request. In the process here; `test_round_trip.py` goes through real processes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.config import ConfigError, Settings
from mockserver.mock import build_mock
from mockserver.proxy.replay import ReplayIndex, replay_layers
from mockserver.server.app import create_app
from tests.conftest import AUTH, T0, VALID

CREATE = "/api/v1/iframe/create"
LINK = {"iframe_url": "https://app.camelai.com/iframe/rec0rded/", "cache_key": "rec0rded", "expires_in": 900}
TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"


def har_entry(method: str, url: str, body: Any, status: int, answer: Any, **headers: str) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": f"https://api.camelai.com{url}", "headers": []}
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return {
        "request": request,
        "response": {
            "status": status,
            "headers": [{"name": "Content-Type", "value": "application/json"}]
            + [{"name": k.replace("_", "-"), "value": v} for k, v in headers.items()],
            "content": {"mimeType": "application/json", "text": text},
        },
    }


def write_har(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t"}, "entries": list(entries)}}))
    return path


Client = Callable[..., Any]


@pytest.fixture
async def replaying(tmp_path: Path) -> AsyncIterator[Client]:
    """A client of a mock replaying the given entries."""
    async with AsyncExitStack() as stack:

        async def make(*entries: dict[str, Any], only: bool = False) -> httpx.AsyncClient:
            har = write_har(tmp_path / "run.har", *entries)
            mock = build_mock(Settings(clock=f"frozen:{T0}", replay=str(har), replay_only=only))
            transport = httpx.ASGITransport(app=create_app(mock, replay_layers(mock)))
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://mock.test"))

        yield make


async def test_a_recorded_request_gets_the_recorded_answer_whatever_its_headers(replaying: Client) -> None:
    client = await replaying(
        har_entry("POST", CREATE + "?b=2&a=1", {**VALID, "ttl": 900}, 200, LINK, X_Request_Id="req-1")
    )
    sent = b'{"ttl":900,  "srcs":["123"],"uid":"user-1"}'  # the same JSON, keys and spacing otherwise
    r = await client.post(
        CREATE + "?a=1&b=2", content=sent, headers={"Authorization": "Bearer other", "Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()) == (200, LINK)
    assert (r.headers["x-request-id"], r.headers["x-mock-replayed"]) == ("req-1", "1")
    journal = (await client.get("/__mock/requests")).json()["requests"]
    assert (journal[-1]["operation"], journal[-1]["status"]) == ("iframe_create_create", 200)


async def test_any_other_request_gets_the_mocks_own_behaviour(replaying: Client) -> None:
    client = await replaying(har_entry("POST", CREATE, VALID, 200, LINK))
    own = await client.post(CREATE, json={**VALID, "ttl": 60}, headers=AUTH)
    assert own.status_code == 200 and own.json()["expires_in"] == 60
    assert own.json()["cache_key"] != "rec0rded" and "x-mock-replayed" not in own.headers


async def test_a_request_recorded_twice_gets_its_answers_in_order_per_session(replaying: Client) -> None:
    later = {**LINK, "cache_key": "sec0nd"}
    client = await replaying(har_entry("POST", CREATE, VALID, 200, LINK), har_entry("POST", CREATE, VALID, 200, later))
    keys = [(await client.post(CREATE, json=VALID)).json()["cache_key"] for _ in range(3)]
    assert keys == ["rec0rded", "sec0nd", "sec0nd"]  # the last one repeats
    other = await client.post(CREATE, json=VALID, headers={"X-Mock-Session": "w2"})
    assert other.json()["cache_key"] == "rec0rded"  # another session starts from the top


async def test_replay_only_names_the_closest_recorded_request(replaying: Client) -> None:
    client = await replaying(har_entry("POST", CREATE, {**VALID, "ttl": 900}, 200, LINK), only=True)
    r = await client.post(CREATE, json={**VALID, "ttl": 60}, headers=AUTH)
    assert r.status_code == 404
    assert r.json()["error"].endswith("is the same request but its body differs: ttl: recorded 900, sent 60")
    r = await client.get("/api/v1/iframe/creat")
    assert r.status_code == 404
    assert r.json()["error"].startswith("GET /api/v1/iframe/creat: no recorded request matches (--replay-only)")
    assert r.json()["error"].endswith("is entry 1, POST /api/v1/iframe/create")
    journal = (await client.get("/__mock/requests")).json()["requests"]
    assert [e["operation"] for e in journal] == ["iframe_create_create", None]  # a refusal names its operation too


async def test_the_mocks_own_operations_are_never_replayed(replaying: Client) -> None:
    fake = har_entry("GET", "/.well-known/jwks.json", None, 200, {"keys": ["recorded"]})
    client = await replaying(fake, only=True)
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"] != ["recorded"]  # the mock's own keys
    assert (await client.get("/api/v1/iframe/token/rec0rded")).status_code == 404  # the mock never issued it


async def test_credentials_are_matched_as_the_recording_redacted_them(replaying: Client) -> None:
    client = await replaying(har_entry("POST", CREATE, {**VALID, "uid": "[redacted JWT]"}, 200, LINK))
    r = await client.post(CREATE, json={**VALID, "uid": TOKEN})
    assert r.json() == LINK


def test_recorded_answers_that_break_the_document_are_warned_about(tmp_path: Path) -> None:
    har = write_har(
        tmp_path / "run.har",
        har_entry("POST", CREATE, VALID, 200, {**LINK, "expires_in": "900"}),
        har_entry("POST", CREATE, {**VALID, "ttl": 61}, 500, {"error": "down"}),
        har_entry("POST", CREATE, {**VALID, "ttl": 62}, 200, LINK),
        har_entry("GET", "/nowhere", None, 404, {"detail": "Not found"}),
    )
    index = ReplayIndex(har, build_mock(Settings()).contract)
    assert index.warnings == [
        f'{har}: entry 1 (POST {CREATE} -> 200) breaks the document: response 200 body.expires_in: "900" is not '
        'of type "integer"',
        f"{har}: entry 2 (POST {CREATE} -> 500) breaks the document: response status 500 is not documented for "
        "iframe_create_create (documented: 200, 400, 401, 413, 415, 429, 503)",
        f"{har}: entry 4 (GET /nowhere -> 404): no operation in the document has this method and path; replayed "
        "unchecked",
    ]
    assert index.size == 4  # warned about, and still replayed as recorded


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("{", "not a HAR file (not JSON", id="not-json"),
        pytest.param('{"log": {}}', "not a HAR file (no log.entries list)", id="no-entries"),
        pytest.param('{"log": {"entries": [{"request": {}}]}}', "entry 1: not a HAR entry", id="bad-entry"),
    ],
)
def test_a_file_that_is_not_a_recording_stops_start_up(tmp_path: Path, content: str, problem: str) -> None:
    har = tmp_path / "bad.har"
    har.write_text(content)
    with pytest.raises(ConfigError) as refused:
        ReplayIndex(har, build_mock(Settings()).contract)
    assert str(har) in str(refused.value) and problem in str(refused.value)


def test_an_exchange_the_upstream_never_answered_is_left_out(tmp_path: Path) -> None:
    failed = har_entry("POST", CREATE, VALID, 0, "")
    failed["response"]["_error"] = "upstream https://api.camelai.com did not answer POST /api/v1/iframe/create"
    index = ReplayIndex(write_har(tmp_path / "run.har", failed), build_mock(Settings()).contract)
    assert (index.size, index.unanswered, index.warnings) == (0, 1, [])
