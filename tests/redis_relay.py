"""A TCP relay in front of a Redis server that counts round trips, for the tests that pin how many a request costs,
and that can hold what clients send (a Redis that stops answering, then answers again).

Each client write that follows a reply (or opens a connection's traffic) is one round trip: a pipeline sent in
several segments counts once, and so does a script however many commands it runs inside Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from tests.redis_server import RedisServer


class CountingRelay:
    def __init__(self, server: RedisServer):
        self.target = server.port
        self.round_trips = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._passing = asyncio.Event()  # cleared while held
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> CountingRelay:
        self._thread.start()
        self._ready.wait(timeout=10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def hold(self) -> None:
        """From now on, what clients send waits in the relay, unanswered, until `let_through`."""
        self._loop.call_soon_threadsafe(self._passing.clear)

    def let_through(self) -> None:
        self._loop.call_soon_threadsafe(self._passing.set)

    def count(self) -> int:
        with self._lock:
            return self.round_trips

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._passing.set()
        server = self._loop.run_until_complete(asyncio.start_server(self._relay, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()

    async def _relay(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target)
        answered = [True]  # the server has answered everything sent so far: the next client write is a new trip

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, from_client: bool) -> None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                while chunk := await src.read(65536):
                    if from_client:
                        await self._passing.wait()
                        with self._lock:
                            if answered[0]:
                                self.round_trips += 1
                            answered[0] = False
                    else:
                        answered[0] = True
                    dst.write(chunk)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(client_in, server_out, True), pump(server_in, client_out, False))
