from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest

from mockserver.config import Settings
from mockserver.core.clock import Clock
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.spec.document_cache import CACHE_ENV
from mockserver.testing.in_process import default_settings, transport
from mockserver.testing.live_server import ThreadedServer, serve_in_thread
from tests.redis_server import RedisServer
from tests.services import SERVICE_FIXTURES, SERVICES, missing

# Property tests judge behaviour, not speed: a machine busy with other work is no reason for one to fail.
hypothesis.settings.register_profile("tests", deadline=None)
hypothesis.settings.load_profile("tests")

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True, scope="session")
def _document_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Documents the tests read are kept in a directory of this run's, not the user's cache (servers the tests
    start inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("document-cache")))
        yield


AUTH = {"Authorization": "Bearer sk-test"}
VALID = {"uid": "user-1", "srcs": ["123"]}
T0 = "2026-01-01T00:00:00Z"
# camelAI's whole API, 43 operations, four collections (contracts/vendor/README.md)
SPEC_2025 = str(Path(__file__).parents[1] / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        f"{item.nodeid} uses {fixture} but is not marked @pytest.mark.{marker}"
        for item in items
        for fixture, marker in SERVICE_FIXTURES.items()
        if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(marker) is None
    ]
    if unmarked:
        raise pytest.UsageError("\n".join(unmarked))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in SERVICES:
        if item.get_closest_marker(marker) is not None and (why := missing(marker)):
            pytest.fail(why, pytrace=False)  # an error at set-up, never a silent skip


@pytest.fixture(
    params=[pytest.param("memory", id="memory"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]
)
def store(request: pytest.FixtureRequest) -> str:
    """Every test that builds a mock runs once on each store; on Redis, in a namespace of its own."""
    if request.param == "memory":
        return "memory"
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture
def store_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings() -> Settings:
    return Settings(clock=f"frozen:{T0}")


@pytest.fixture
async def mock(settings: Settings, store: str, store_prefix: str) -> AsyncIterator[Mock]:
    if settings.store is None:
        settings = settings.with_overrides(store=store, store_prefix=store_prefix)
    built = build_mock(settings)
    yield built
    await built.store.close()


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


ServeDocument = Callable[..., httpx.Client]


@pytest.fixture
def serve_document(tmp_path: Path) -> Iterator[ServeDocument]:
    """`serve_document(document, **settings)`: a client of an in-process mock started on `document`, a small OpenAPI
    document written in the test (saved to a file, as a user passes one with --spec), with the test helpers' settings
    (`sk-test` accepted, a frozen clock) changed by `settings`."""
    with ExitStack() as stack:

        def serve(document: dict[str, Any], **changes: Any) -> httpx.Client:
            spec = tmp_path / f"spec-{uuid.uuid4().hex[:8]}.json"
            spec.write_text(json.dumps(document))
            t = transport(settings=default_settings(spec=str(spec), **changes))
            return stack.enter_context(httpx.Client(transport=t, base_url=t.url))

        yield serve


def openapi(paths: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A minimal OpenAPI 3.0 document with these paths and top-level fields (`components`, `security`, ...)."""
    return {"openapi": "3.0.3", "info": {"title": "synthetic", "version": "1"}, "paths": paths, **top}


def answers(schema: dict[str, Any] | None = None, status: str = "200") -> dict[str, Any]:
    """An operation's `responses` with one JSON answer of `schema` (an object with an integer `id` by default)."""
    schema = schema or {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}
