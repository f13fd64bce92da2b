"""Testing a client against the mock with no socket: `transport()` gives an httpx transport into the app.

    from mockserver.testing.in_process import transport

    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"]})
    t.handle.clock.advance(900)

The transport works with both `httpx.Client` and `httpx.AsyncClient`. Sync requests (and the handle's
store calls) run on one private event loop in a background thread, so a sync client may also be used
from inside an async test.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from mockserver.testing.extras import missing

try:
    import httpx
except ModuleNotFoundError:
    raise missing("httpx", "mockserver.testing.transport") from None

from mockserver.config import KeyPolicy, Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.testing.handle import MockHandle

T = TypeVar("T")
BASE_URL = "http://camel-mock.test"
DEFAULT_API_KEY = "sk-test"

__all__ = ["BASE_URL", "DEFAULT_API_KEY", "InProcessTransport", "MockHandle", "default_settings", "transport"]


def default_settings(**changes: Any) -> Settings:
    """What the test helpers run by default: one accepted key (`sk-test`) and a frozen clock."""
    base = Settings(api_keys={DEFAULT_API_KEY: KeyPolicy()}, clock="frozen", access_log=False, log_level="warning")
    return base.with_overrides(**changes)


class _LoopThread:
    """One event loop in a daemon thread, started on first use and closed by `close()`."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._run, args=(self._loop,), name="camel-mock", daemon=True)
                self._thread.start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        loop.run_forever()
        loop.close()

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)


class InProcessTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Requests go straight into the mock's ASGI app; `.mock` and `.handle` reach its state."""

    def __init__(self, mock: Mock, api_key: str = DEFAULT_API_KEY):
        self.mock = mock
        self.url = BASE_URL
        self._asgi = httpx.ASGITransport(app=create_app(mock))
        self._loop = _LoopThread()
        self.handle = MockHandle(mock, self.url, api_key, self._loop.call)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._asgi.handle_async_request(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()

        async def exchange() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            await response.aread()
            return response

        answered = self._loop.call(exchange())
        return httpx.Response(answered.status_code, headers=answered.headers, content=answered.content)

    def close(self) -> None:
        self._loop.close()

    async def aclose(self) -> None:
        self._loop.close()


def transport(mock: Mock | None = None, *, settings: Settings | None = None) -> InProcessTransport:
    """An httpx transport into `mock`, or into one built from `settings` (default: `default_settings()`)."""
    if mock is None:
        mock = build_mock(settings or default_settings())
    keys = list(mock.settings.api_keys)
    return InProcessTransport(mock, keys[0] if keys else DEFAULT_API_KEY)
