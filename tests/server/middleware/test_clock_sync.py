"""ClockSync: one shared clock per store, and a store outage answered 503 whichever layer meets it."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.server.middleware.clock_sync import ClockSync
from mockserver.store.base import StoreUnavailable
from mockserver.store.redis import RedisStore
from tests.conftest import AUTH, VALID
from tests.redis_server import RedisServer


@pytest.mark.redis
async def test_a_move_between_requests_is_published_by_the_next_request(redis_server: RedisServer) -> None:
    mock = build_mock(Settings(clock="frozen", store=redis_server.url, store_prefix="published"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(mock)), base_url="http://m") as client:
        await client.get("/.well-known/jwks.json")
        mock.clock.advance(90)
        await client.get("/.well-known/jwks.json")
    assert await mock.store.load_clock() == mock.clock.state
    await mock.store.close()


def test_one_process_on_memory_has_no_clock_to_sync() -> None:
    app = create_app(build_mock(Settings()))
    assert ClockSync not in {m.cls for m in app.user_middleware}


async def test_an_outage_met_inside_any_middleware_is_a_503(mock: Mock) -> None:
    async def downstream(scope: Scope, receive: Receive, send: Send) -> None:
        raise StoreUnavailable("state store redis://db:6379/0 is unreachable: gone")

    transport = httpx.ASGITransport(app=ClockSync(downstream, mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        r = await client.get("/anything")
    assert r.status_code == 503
    assert r.json() == {"error": "state store redis://db:6379/0 is unreachable: gone"}


async def test_a_redis_that_stops_answering_gets_a_503_not_a_hang() -> None:
    with socket.socket() as hole:  # accepts connections, never answers
        hole.bind(("127.0.0.1", 0))
        hole.listen()
        port = hole.getsockname()[1]
        mock = build_mock(Settings(), store=RedisStore(f"redis://127.0.0.1:{port}/0", "hole"))
        transport = httpx.ASGITransport(app=create_app(mock))
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            r = await asyncio.wait_for(client.post("/api/v1/iframe/create", json=VALID, headers=AUTH), timeout=15)
        await mock.store.close()
    assert r.status_code == 503
    assert r.json()["error"].startswith(f"state store redis://127.0.0.1:{port}/0 is unreachable: Timeout")
