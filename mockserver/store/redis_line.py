"""One Redis connection that the request path's calls share (`RedisLine`).

Each call writes its commands as it makes them, and one reader task hands each reply, in order, to the call that
waits for it: Redis answers a connection's commands in the order they arrive. A connection of the pool per call cost
the pool's checkout and return and redis-py's timeout task on every write; on bench/bench_resources.py --store redis
this line answers about a tenth more create/retrieve pairs a second.

A call waits about `timeout` at most for its replies (`RedisLine._watch`). A connection that fails, or leaves a
call unanswered that long, is dropped: every call still waiting on it gets the failure, and the next call opens a new connection. A call that met
a failure is sent once more, on a new connection, as redis-py's own retry does (`redis.client_options`).
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from typing import Any

import redis.exceptions
from redis.asyncio import Connection, ConnectionPool

# What ends a connection's use, as opposed to an error reply (a `ResponseError`), which ends one command's.
LOST = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
WATCHES = 4  # looks at a line's progress per `timeout`


@dataclass
class _Open:
    conn: Connection
    waiting: collections.deque[asyncio.Future[Any]] = field(default_factory=collections.deque)
    reader: asyncio.Task[None] | None = None
    answered: int = 0  # replies handed out so far (the watch's measure of progress)
    dropped: bool = False
    closing: asyncio.Task[None] | None = None  # the watch's drop, kept until done


class RedisLine:
    def __init__(self, pool: ConnectionPool, timeout: float):
        self.pool = pool  # of connections without redis-py's own timeouts: the line bounds each call itself
        self.timeout = timeout
        self.open: _Open | None = None
        self.opening = asyncio.Lock()

    async def call(self, packed: list[bytes]) -> list[Any]:
        """Commands packed by hiredis, written together (one round trip); their replies, in order. An error reply
        is raised once every reply is in, so a call that sends several never leaves the line out of step."""
        for attempt in range(2):
            line = self.open
            try:
                if line is None:
                    line = await self._connect()
                loop = asyncio.get_running_loop()
                replies = [loop.create_future() for _ in packed]
                line.waiting.extend(replies)  # before the write: the reader may hand out a reply as soon as it lands
                await line.conn.send_packed_command(packed, check_health=False)
                found = [await reply for reply in replies]
            except LOST as exc:
                lost: Exception = exc
            else:
                failed = next((reply for reply in found if isinstance(reply, LOST)), None)
                if failed is None:
                    refused = next((r for r in found if isinstance(r, redis.exceptions.ResponseError)), None)
                    if refused is not None:
                        raise refused
                    return found
                lost = failed
            if line is not None:
                await self._drop(line, lost)
            if attempt:
                raise lost
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.open is not None:
            await self._drop(self.open, redis.exceptions.ConnectionError("the store is closing"))
        await self.pool.disconnect()

    async def _connect(self) -> _Open:
        async with self.opening:  # calls that find no connection at once open one between them
            if self.open is None:
                try:  # the handshake (redis-py's CLIENT SETINFO) waits on Redis too
                    async with asyncio.timeout(self.timeout):
                        conn = await self.pool.get_connection()  # type: ignore[no-untyped-call]
                except TimeoutError:
                    await self.pool.disconnect()
                    raise self._timed_out() from None
                line = _Open(conn)
                loop = asyncio.get_running_loop()
                line.reader = loop.create_task(self._read(line))
                loop.call_later(self.timeout / WATCHES, self._watch, line, line.answered, 0)
                self.open = line
            return self.open

    async def _read(self, line: _Open) -> None:
        try:
            while True:
                try:
                    reply = await line.conn.read_response()
                except redis.exceptions.ResponseError as exc:
                    reply = exc
                if not line.waiting:
                    raise redis.exceptions.ConnectionError("Redis sent a reply no command asked for")
                waiter = line.waiting.popleft()
                line.answered += 1
                if not waiter.done():  # else its call gave up (timed out): the reply is dropped, the order kept
                    waiter.set_result(reply)
        except LOST as exc:
            await self._drop(line, exc)

    def _watch(self, line: _Open, answered: int, stalled: int) -> None:
        """Every `timeout / WATCHES` s while the line is open: a line that answered nothing for `timeout` while a call
        waited is dropped. One timer for the line, where a timer per call cost as much as the rest of the call."""
        if line.dropped:
            return
        stalled = stalled + 1 if line.waiting and line.answered == answered else 0
        if stalled >= WATCHES:
            lost = self._timed_out()
            self._fail(line, lost)  # the calls waiting learn now; the connection closes next
            line.closing = asyncio.get_running_loop().create_task(self._drop(line, lost))
            return
        asyncio.get_running_loop().call_later(self.timeout / WATCHES, self._watch, line, line.answered, stalled)

    def _timed_out(self) -> redis.exceptions.TimeoutError:
        return redis.exceptions.TimeoutError(f"Timeout: no answer within {self.timeout:g} s")

    def _fail(self, line: _Open, lost: Exception) -> None:
        """The line's calls still waiting get `lost`; the next call opens a new connection."""
        if self.open is line:
            self.open = None
        while line.waiting:
            waiter = line.waiting.popleft()
            if not waiter.done():
                waiter.set_result(lost)

    async def _drop(self, line: _Open, lost: Exception) -> None:
        self._fail(line, lost)
        if line.dropped:  # by its reader and by a call that met the same failure
            return
        line.dropped = True
        if line.reader is not None and line.reader is not asyncio.current_task():
            line.reader.cancel()
            await asyncio.wait([line.reader])  # ended before its connection closes (and before the loop does)
        await line.conn.disconnect()
        await self.pool.release(line.conn)
