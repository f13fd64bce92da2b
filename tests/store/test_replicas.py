"""Several mock processes on one Redis agree on tokens, keys, limits and the clock; an outage answers 503."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, SPEC_2025, T0, VALID
from tests.processes import MockProcess
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis  # every test here runs replicas on a real redis-server


@pytest.fixture
def replicas(redis_server: RedisServer, store_prefix: str) -> Iterator[tuple[MockProcess, MockProcess]]:
    args = ("--store", redis_server.url, "--store-prefix", store_prefix, "--clock", f"frozen:{T0}")
    a = MockProcess(*args)
    try:
        b = MockProcess(*args)
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


def test_a_link_created_on_one_replica_is_served_and_verified_by_the_other(
    replicas: tuple[MockProcess, MockProcess],
) -> None:
    a, b = replicas
    with httpx.Client(timeout=10) as http:
        key = http.post(f"{a.url}/api/v1/iframe/create", json=VALID, headers=AUTH).json()["cache_key"]
        token = http.get(f"{b.url}/api/v1/iframe/token/{key}").json()["token"]
        page = http.get(f"{b.url}/iframe/{key}/")
        jwks_b = jwt.PyJWKSet.from_dict(http.get(f"{b.url}/.well-known/jwks.json").json())
    assert page.status_code == 200 and 'id="uid">user-1<' in page.text
    claims = jwt.decode(
        token,
        jwks_b[jwt.get_unverified_header(token)["kid"]],
        algorithms=["ES256"],
        audience="camelai-iframe",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == "user-1"


async def test_a_limit_is_shared_by_replicas(replicas: tuple[MockProcess, MockProcess]) -> None:
    a, b = replicas
    async with httpx.AsyncClient(timeout=10) as http:
        body = {**VALID, "limits": {"hourly": 3}}
        key = (await http.post(f"{a.url}/api/v1/iframe/create", json=body, headers=AUTH)).json()["cache_key"]
        sends = [http.post(f"{url}/iframe/{key}/messages", json={"message": "hi"}) for url in (a.url, b.url) * 5]
        statuses = sorted(r.status_code for r in await asyncio.gather(*sends))
    assert statuses == [200] * 3 + [429] * 7


HITS = """
import asyncio, sys
from mockserver.store.redis import RedisStore
from mockserver.core.limits import Window

async def main() -> None:
    store = RedisStore(sys.argv[1], sys.argv[2])
    window = [Window("hourly", 3600, 10)]
    decisions = await asyncio.gather(*(store.hit("s", "uid:u", window, 1767225600.0) for _ in range(25)))
    print(sum(d.allowed for d in decisions))
    await store.close()

asyncio.run(main())
"""


def test_racing_processes_on_one_bucket_let_exactly_the_limit_through(
    redis_server: RedisServer, store_prefix: str
) -> None:
    command = [sys.executable, "-c", textwrap.dedent(HITS), redis_server.url, store_prefix]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    allowed = [int(p.communicate(timeout=30)[0]) for p in procs]
    assert sum(allowed) == 10


async def test_a_clock_move_through_one_replicas_admin_api_moves_it_for_all(
    replicas: tuple[MockProcess, MockProcess],
) -> None:
    a, b = replicas
    async with httpx.AsyncClient(timeout=10) as http:
        body = {**VALID, "ttl": 60}
        key = (await http.post(f"{a.url}/api/v1/iframe/create", json=body, headers=AUTH)).json()["cache_key"]
        moved = (await http.post(f"{a.url}/__mock/clock", json={"advance": 61})).json()
        assert (await http.get(f"{b.url}/__mock/clock")).json() == moved
        assert (await http.get(f"{b.url}/iframe/{key}/")).status_code == 410
        journal = (await http.get(f"{b.url}/__mock/requests")).json()["requests"]
    assert "/api/v1/iframe/create" in {e["path"] for e in journal}  # A's create, in the shared journal


@pytest.fixture
async def two_mocks(redis_server: RedisServer, store_prefix: str) -> AsyncIterator[tuple[Mock, Mock]]:
    settings = Settings(clock=f"frozen:{T0}", store=redis_server.url, store_prefix=store_prefix)
    a, b = build_mock(settings), build_mock(settings.with_overrides(clock="frozen:2030-01-01T00:00:00Z"))
    yield a, b
    await a.store.close()
    await b.store.close()


async def test_a_clock_move_on_one_replica_moves_it_for_the_other(two_mocks: tuple[Mock, Mock]) -> None:
    a, b = two_mocks
    assert b.clock.now() == a.clock.now()  # the later replica adopted the first one's clock
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(a)), base_url="http://a.test") as on_a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(b)), base_url="http://b.test") as on_b,
    ):
        key = (await on_a.post("/api/v1/iframe/create", json={**VALID, "ttl": 60}, headers=AUTH)).json()["cache_key"]
        assert (await on_b.get(f"/api/v1/iframe/token/{key}")).json()["expires_in"] == 60
        a.clock.advance(45)  # as the admin API will: move, then any request on A publishes it
        await on_a.get("/.well-known/jwks.json")
        assert (await on_b.get(f"/api/v1/iframe/token/{key}")).json()["expires_in"] == 15
        b.clock.advance(15)  # as the admin API may also do: move, then save
        await b.store.save_clock(b.clock.state)
        assert (await on_a.get(f"/iframe/{key}/")).status_code == 410
    assert a.clock.now() == b.clock.now()


async def test_redis_down_answers_503_naming_the_store_and_recovers() -> None:
    server = RedisServer().start()
    mock = build_mock(Settings(store=server.url, store_prefix="outage"))
    try:
        transport = httpx.ASGITransport(app=create_app(mock))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.test", timeout=10) as client:
            assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
            server.stop()
            for path in ("/api/v1/iframe/token/abc", "/iframe/abc/", "/.well-known/jwks.json"):
                r = await client.get(path)
                assert r.status_code == 503
                assert r.json() == {
                    "error": f"state store {server.url} is unreachable: {r.json()['error'].split(': ', 1)[1]}"
                }
            r = await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)
            assert r.status_code == 503 and f"state store {server.url} is unreachable" in r.json()["error"]
            server.start()
            assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
    finally:
        await mock.store.close()
        server.stop()


@pytest.mark.parametrize("alg", [pytest.param(alg, id=alg) for alg in ("ES256", "RS256", "EdDSA", "HS256")])
async def test_replicas_without_a_key_file_share_one_generated_key(
    redis_server: RedisServer, store_prefix: str, alg: str
) -> None:
    settings = Settings(alg=alg, store=redis_server.url, store_prefix=store_prefix)
    a, b = build_mock(settings), build_mock(settings)
    token = a.signer.sign({"sub": "u", "aud": "camelai-iframe"})
    assert jwt.decode(token, b.signer.verification_key(), algorithms=[alg], audience="camelai-iframe")["sub"] == "u"
    assert a.signer.jwks() == b.signer.jwks()


def test_two_replicas_on_one_redis_share_every_resource_and_token(
    redis_server: RedisServer, store_prefix: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds.yaml"
    seeds.write_text("knowledge-base:\n  - {content: seeded, connection_id: 1}\n")
    args = ("--store", redis_server.url, "--store-prefix", store_prefix, "--clock", f"frozen:{T0}")
    a = MockProcess(*args, "--spec", SPEC_2025, "--seed-data", str(seeds))
    try:
        b = MockProcess(*args, "--spec", SPEC_2025, "--seed-data", str(seeds))
    except BaseException:
        a.stop()
        raise
    kb = "/api/v1/knowledge-base/"
    try:
        with httpx.Client(timeout=10, headers=AUTH) as http:
            made = http.post(f"{a.url}{kb}", json={"content": "from A", "connection_id": 2}).json()
            assert made["id"] == 2  # after the seeded entry, seeded once for both
            assert http.patch(f"{b.url}{kb}2/", json={"content": "changed on B"}).status_code == 200
            assert [e["content"] for e in http.get(f"{a.url}{kb}").json()["results"]] == ["seeded", "changed on B"]
            token = http.post(f"{a.url}/api/v1/token", json={"uid": "user-1", "ttl": 60}).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            assert http.post(f"{b.url}/api/v1/ask_camel", json={"message": "hi"}, headers=bearer).status_code == 200
            assert http.get(f"{a.url}/api/v1/threads/1/messages", headers=bearer).json()["message_count"] == 2
            assert http.delete(f"{b.url}{kb}2/").status_code == 204
            assert http.get(f"{a.url}{kb}2/").status_code == 404
            assert http.post(f"{b.url}/__mock/clock", json={"advance": 60}).status_code == 200
            expired = http.get(f"{a.url}/api/v1/threads/", headers=bearer)
            assert expired.status_code == 401 and "expired" in expired.json()["error"]
    finally:
        a.stop()
        b.stop()
