"""No web page can drive the admin API: JSON-only writes, no foreign Origin, loopback Host names only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver.config import ConfigError, Settings
from mockserver.mock import build_mock
from mockserver.server.admin_access import host_name, is_loopback
from mockserver.testing.in_process import transport
from mockserver.testing.live_server import ThreadedServer, serve_in_thread
from tests.conftest import AUTH, T0, VALID, MakeClient

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_cross_site_form_post_cannot_reset_the_default_session(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)
    forged = await client.post("/__mock/reset", content=b"x=1", headers={**FORM, "Origin": "http://evil.example"})
    assert forged.status_code == 403
    assert forged.json()["error"].startswith("Origin 'http://evil.example' is not this mock's own")
    assert len((await client.get("/__mock/requests")).json()["requests"]) == 1  # nothing was wiped


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        pytest.param("application/x-www-form-urlencoded", "'application/x-www-form-urlencoded' is not accepted", id="form"),
        pytest.param("text/plain", "'text/plain' is not accepted", id="text"),
        pytest.param("multipart/form-data; boundary=x", "'multipart/form-data; boundary=x' is not accepted", id="multipart"),
        pytest.param(None, "Content-Type is missing", id="none"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/__mock/reset", "/__mock/clock", "/__mock/faults"])
async def test_admin_writes_take_json_only(
    client: httpx.AsyncClient, path: str, content_type: str | None, expected: str
) -> None:
    await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)
    headers = {"Content-Type": content_type} if content_type else {}
    refused = await client.post(path, content=b"{}" if content_type else b"", headers=headers)
    assert refused.status_code == 415 and expected in refused.json()["error"]
    assert "application/json only" in refused.json()["error"]
    assert len((await client.get("/__mock/requests")).json()["requests"]) == 1


async def test_json_writes_from_no_origin_or_the_mocks_own_are_answered(client: httpx.AsyncClient) -> None:
    assert (await client.post("/__mock/reset", json={})).json() == {"reset": "default"}
    assert (await client.post("/__mock/reset", headers={"Content-Type": "application/json"})).status_code == 200
    own = await client.post("/__mock/clock", json={"advance": 1}, headers={"Origin": "http://mock.test"})
    assert own.status_code == 200
    assert (await client.post("/__mock/reset", json={"x": 1})).status_code == 400  # {} at most


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://mock.test.evil.example", "https://x"])
async def test_a_foreign_origin_is_refused_on_reads_too(client: httpx.AsyncClient, origin: str) -> None:
    r = await client.get("/__mock/requests", headers={"Origin": origin})
    assert r.status_code == 403 and r.json()["error"].startswith(f"Origin {origin!r} is not this mock's own")


@pytest.fixture
def live() -> Iterator[ThreadedServer]:
    with serve_in_thread(build_mock(Settings(clock=f"frozen:{T0}"))) as server:
        yield server


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:1", "[::1]:8000", "LOCALHOST", "localhost."]
)
def test_on_a_loopback_address_the_admin_api_answers_loopback_names(live: ThreadedServer, host: str) -> None:
    assert httpx.get(f"{live.url}/__mock/requests", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil"])
def test_on_a_loopback_address_another_host_name_is_refused(live: ThreadedServer, host: str) -> None:
    r = httpx.get(f"{live.url}/__mock/requests", headers={"Host": host})
    assert r.status_code == 403 and r.json()["error"].startswith(f"Host {host!r} is not a name the admin API answers")
    assert "--allowed-hosts" in r.json()["error"]
    assert httpx.get(f"{live.url}/.well-known/jwks.json", headers={"Host": host}).status_code == 200  # admin only


def test_allowed_hosts_widens_the_names_and_applies_on_every_address() -> None:
    mock = build_mock(Settings(allowed_hosts=("mock.internal", "Camel-Mock.test")))
    with serve_in_thread(mock) as live:
        assert httpx.get(f"{live.url}/__mock/clock", headers={"Host": "mock.internal:8000"}).status_code == 200
        assert httpx.get(f"{live.url}/__mock/clock").status_code == 200  # 127.0.0.1 stays allowed
        assert httpx.get(f"{live.url}/__mock/clock", headers={"Host": "evil.example"}).status_code == 403
    t = transport(mock)  # no loopback address in process, but the names were asked for: the check applies
    with httpx.Client(transport=t, base_url=t.url) as client:
        assert client.get("/__mock/clock").status_code == 200  # http://camel-mock.test
        assert client.get("/__mock/clock", headers={"Host": "evil.example"}).status_code == 403


async def test_in_process_there_is_no_loopback_address_to_guard(make_client: MakeClient) -> None:
    client = await make_client()
    assert (await client.get("/__mock/clock", headers={"Host": "anything.example"})).status_code == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [("localhost:8000", "localhost"), ("[::1]:80", "[::1]"), ("Example.COM.", "example.com"), ("h:", "h"), ("", "")],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("::ffff:127.0.0.1", True), ("10.0.0.2", False),
     ("0.0.0.0", False), ("camel-mock.test", False)],
)  # fmt: skip
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


@pytest.mark.parametrize("name", ["http://mock.internal", "mock.internal:8000", "a/b", "two words", ""])
def test_an_allowed_host_must_be_a_bare_name(name: str) -> None:
    with pytest.raises(ConfigError, match=r"allowed_hosts: .* is not a host name"):
        build_mock(Settings(allowed_hosts=(name,)))
