"""The proxy's HTTP/1.1 client against scripted servers on loopback: framing, keep-alive, and each way an answer
can go wrong."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from mockserver.proxy.http1 import Closed, ConnectTimeout, Pool, TooLarge

GET = b"GET /x HTTP/1.1\r\nhost: test\r\n\r\n"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Scripted:
    """A server that answers each request with the next of `answers`: bytes (then it closes the connection if they
    say `Connection: close`), or None (it closes the connection without answering)."""

    def __init__(self, *answers: bytes | None) -> None:
        self.answers = list(answers)
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                if not await reader.readuntil(b"\r\n\r\n"):
                    return
                answer = self.answers.pop(0)
                if answer is None:
                    return  # close without answering
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Scripted], Awaitable[Pool]]]:
    servers: list[asyncio.Server] = []
    pools: list[Pool] = []

    async def start(script: Scripted, timeout: float = 5, max_bytes: int = 1000) -> Pool:
        server = await asyncio.start_server(script.handle, "127.0.0.1", 0)
        servers.append(server)
        pool = Pool("http", "127.0.0.1", server.sockets[0].getsockname()[1], timeout, max_bytes)
        pools.append(pool)
        return pool

    yield start
    for pool in pools:
        pool.close()
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_a_keep_alive_connection_is_reused(serve: Callable[..., Awaitable[Pool]]) -> None:
    script = Scripted(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nhi", b"HTTP/1.1 204 No Content\r\n\r\n")
    pool = await serve(script)
    first = await pool.request(GET)
    assert (first.status, first.reason, first.headers, first.body) == (
        200,
        "OK",
        [(b"content-length", b"2"), (b"x-a", b"1")],
        b"hi",
    )
    assert (await pool.request(GET)).status == 204
    assert script.connections == 1


async def test_chunked_and_interim_answers_are_read_whole(serve: Callable[..., Awaitable[Pool]]) -> None:
    chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    pool = await serve(Scripted(chunked))
    answer = await pool.request(GET)
    assert (answer.status, answer.body) == (200, b"abcde")


async def test_an_answer_that_ends_with_the_connection_is_whole(serve: Callable[..., Awaitable[Pool]]) -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
    script = Scripted(answer, answer)
    pool = await serve(script)
    assert (await pool.request(GET)).body == b"until the end"
    assert (await pool.request(GET)).body == b"until the end"
    assert script.connections == 2  # the first connection ended with its answer


async def test_a_closed_idle_connection_is_replaced_and_the_request_sent_again(
    serve: Callable[..., Awaitable[Pool]],
) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    script = Scripted(ok, None, ok)  # answers, then closes the kept connection as the next request comes
    pool = await serve(script)
    assert (await pool.request(GET)).status == 200
    assert (await pool.request(GET)).status == 200
    assert script.connections == 2


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
            TooLarge,
            "more than 1000 bytes",
            id="too-large",
        ),
        pytest.param(b"SSH-2.0-OpenSSH\r\n\r\n", Closed, "the answer is not HTTP/1.1", id="not-http"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhalf",
            Closed,
            "the connection closed",
            id="cut-short",
        ),
        pytest.param(None, Closed, "the connection closed", id="closed-before-answering"),
    ],
)
async def test_an_answer_that_cannot_be_used_is_an_error_naming_why(
    serve: Callable[..., Awaitable[Pool]], answer: bytes | None, error: type[Exception], message: str
) -> None:
    pool = await serve(Scripted(answer))
    with pytest.raises(error, match=message):
        await pool.request(GET)


async def test_no_answer_in_time_is_a_timeout(serve: Callable[..., Awaitable[Pool]]) -> None:
    class Silent(Scripted):
        async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # until the client goes away
            writer.close()

    pool = await serve(Silent(), timeout=0.2)
    with pytest.raises(TimeoutError) as waited:
        await pool.request(GET)
    assert not isinstance(waited.value, ConnectTimeout)


async def test_a_refused_connection_is_an_os_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(OSError):
        await Pool("http", "127.0.0.1", port, 5, 1000).request(GET)
