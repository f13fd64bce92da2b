from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.clock import Clock
from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server import ThreadedServer, serve_in_thread

pytest_plugins = ["pytester"]

AUTH = {"Authorization": "Bearer sk-test"}
VALID = {"uid": "user-1", "srcs": ["123"]}
T0 = "2026-01-01T00:00:00Z"


@pytest.fixture
def settings() -> Settings:
    return Settings(clock=f"frozen:{T0}")


@pytest.fixture
def mock(settings: Settings) -> Mock:
    return build_mock(settings)


@pytest.fixture
def clock(mock: Mock) -> Clock:
    return mock.clock


@pytest.fixture
async def client(mock: Mock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as c:
        yield c


@pytest.fixture
def live(mock: Mock) -> Iterator[ThreadedServer]:
    """The same mock behind a real uvicorn socket, for tests where the wire matters."""
    with serve_in_thread(mock) as server:
        yield server


MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[MakeClient]:
    """An in-process client for a mock built with these settings changed, e.g. `await make_client(admin_key="k")`."""
    async with AsyncExitStack() as stack:

        async def make(**changes: Any) -> httpx.AsyncClient:
            app = create_app(build_mock(settings.with_overrides(**changes)))
            transport = httpx.ASGITransport(app=app)
            return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://mock.test"))

        yield make
