"""`mockserver proxy`: the admin API, the journal and faults as `serve` has them, and every other request forwarded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from mockserver.mock import Mock
from mockserver.proxy.forward import Forwarder
from mockserver.proxy.har import HarFile
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import Upstream
from mockserver.server.endpoints import admin
from mockserver.server.error_handlers import EXCEPTION_HANDLERS
from mockserver.server.middleware.faults import FaultMiddleware
from mockserver.server.middleware.journal import JournalMiddleware


def create_proxy_app(mock: Mock, settings: ProxySettings, recording: HarFile | None = None) -> Starlette:
    """The proxy for `mock` (its contract, clock, store, journal and admin API). `recording`, opened by the caller
    so that an unusable file stops start-up, is closed when the app shuts down."""
    settings.check()
    upstream = Upstream(settings.upstream, settings.timeout, mock.settings.max_body_bytes)
    forwarder = Forwarder(mock, upstream, settings.refuse_invalid, recording)
    routes = [*admin.routes(mock), Route("/{path:path}", forwarder)]  # after the admin API, every path

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await upstream.close()
        if recording is not None:
            recording.close()
        await mock.store.close()

    middleware = [Middleware(JournalMiddleware, mock=mock), Middleware(FaultMiddleware, mock=mock)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)
    app.state.mock = mock
    app.router.redirect_slashes = False  # as the mock's own app: no empty 307 on the admin API
    return app
