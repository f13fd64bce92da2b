"""A real uvicorn server in a background thread, on a free port: for tests and the pytest plugin."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import uvicorn

from mockserver.mock import Mock
from mockserver.server.app import create_app
from mockserver.server.wire import protocol_options

T = TypeVar("T")


class ThreadedServer:
    def __init__(self, mock: Mock, host: str = "127.0.0.1"):
        self.mock = mock
        self._sock = socket.socket()
        self._sock.bind((host, 0))
        self.url = f"http://{host}:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(mock), log_level="warning", access_log=False, lifespan="on", **protocol_options(mock.settings)
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        ready = threading.Event()
        startup = self._server.startup

        async def startup_then_signal(sockets: list[socket.socket] | None = None) -> None:
            await startup(sockets)
            self.loop = asyncio.get_running_loop()
            ready.set()

        self._server.startup = startup_then_signal  # type: ignore[method-assign]
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the mock's uvicorn server did not start within 10 s")

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        """Run `coro` on the server's event loop (where the store's connections live) and wait for it."""
        if self.loop is None:
            coro.close()
            raise RuntimeError("the server is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@contextmanager
def serve_in_thread(mock: Mock) -> Iterator[ThreadedServer]:
    server = ThreadedServer(mock)
    server.start()
    try:
        yield server
    finally:
        server.stop()
