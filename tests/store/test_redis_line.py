"""The request path's one shared Redis connection (mockserver/store/redis_line.py), against a real redis-server:
every call gets its own replies whatever runs beside it, and a Redis that stops answering costs a call a bounded wait,
not a hang, then the line answers again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import hiredis
import pytest
import redis.exceptions
from redis.asyncio import ConnectionPool, Redis

from mockserver.store.redis import READ_TIMEOUT, client_options
from mockserver.store.redis_line import RedisLine
from tests.redis_relay import CountingRelay
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis


def line_to(url: str, timeout: float = READ_TIMEOUT) -> RedisLine:
    return RedisLine(ConnectionPool.from_url(url, **{**client_options(), "socket_timeout": None}), timeout)


@pytest.fixture
async def admin(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()


def echo(*words: str) -> list[bytes]:
    return [hiredis.pack_command(("ECHO", word)) for word in words]


async def test_calls_made_together_share_one_connection_and_each_gets_its_own_replies(
    redis_server: RedisServer, admin: Redis
) -> None:
    line = line_to(redis_server.url)
    before = (await admin.info("stats"))["total_connections_received"]
    found = await asyncio.gather(*(line.call(echo(f"a{n}", f"b{n}")) for n in range(300)))
    assert found == [[f"a{n}", f"b{n}"] for n in range(300)]
    assert (await admin.info("stats"))["total_connections_received"] - before == 1
    await line.close()


async def test_an_error_reply_is_raised_to_its_call_alone_and_the_line_stays_in_step(
    redis_server: RedisServer,
) -> None:
    line = line_to(redis_server.url)
    missing = hiredis.pack_command(("EVALSHA", "0" * 40, "0"))
    refused, after = await asyncio.gather(
        line.call([missing, *echo("after the error")]), line.call(echo("beside it")), return_exceptions=True
    )
    assert isinstance(refused, redis.exceptions.NoScriptError)
    assert after == ["beside it"]
    assert await line.call(echo("next")) == ["next"]
    await line.close()


async def test_a_redis_that_stops_answering_costs_a_call_a_bounded_wait_then_the_line_answers_again(
    redis_server: RedisServer,
) -> None:
    relay = CountingRelay(redis_server).start()
    line = line_to(relay.url, timeout=0.2)
    try:
        assert await line.call(echo("before")) == ["before"]
        relay.hold()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(redis.exceptions.TimeoutError, match=r"^Timeout: no answer within 0.2 s$"):
            await line.call(echo("while held"))
        assert loop.time() - started < 2  # the call, then its one retry on a new connection: about 0.2 s each
        relay.let_through()
        assert await line.call(echo("after")) == ["after"]
    finally:
        await line.close()
        relay.stop()
