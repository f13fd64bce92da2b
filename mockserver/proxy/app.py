"""`mockserver proxy`: the admin API, the journal and faults as `serve` has them, and every other request forwarded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.mock import Mock
from mockserver.proxy.forward import Forwarder
from mockserver.proxy.har import HarFile
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import Upstream
from mockserver.server.endpoints import admin
from mockserver.server.error_handlers import EXCEPTION_HANDLERS
from mockserver.server.middleware.faults import FaultMiddleware
from mockserver.server.middleware.journal import JournalMiddleware
from mockserver.server.routes import ADMIN_PREFIX


class Forwarded(BaseRoute):
    """Every path but those under `admin` (None: every path), sent to the forwarder."""

    def __init__(self, app: ASGIApp, admin: str | None) -> None:
        self.app = app
        self.admin = admin

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        ours = self.admin is not None and scope["path"].startswith(self.admin)
        return (Match.NONE if ours or scope["type"] != "http" else Match.FULL), {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def create_proxy_app(mock: Mock, settings: ProxySettings, recording: HarFile | None = None) -> Starlette:
    """The proxy for `mock` (its contract, clock, store, journal and admin API). `recording`, opened by the caller
    so that an unusable file stops start-up, is closed when the app shuts down."""
    settings.check()
    upstream = Upstream(settings, mock.settings.max_body_bytes, mock.settings.max_header_bytes)
    forwarder = Forwarder(mock, upstream, settings.refuse_invalid, recording)
    admin_routes = admin.routes(mock)
    # Tried first, and by prefix: a forwarded request does not walk the admin routes' patterns.
    # A path under the admin prefix that no admin route takes is forwarded too, as every other path is.
    routes = [Forwarded(forwarder, ADMIN_PREFIX), *admin_routes, Forwarded(forwarder, None)]

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
