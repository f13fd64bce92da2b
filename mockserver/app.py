"""The Starlette application: routes to endpoints, error handlers, and the mock's parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from . import api, page
from .clock_sync import ClockSync
from .errors import HANDLERS
from .mock import Mock


def create_app(mock: Mock) -> Starlette:
    routes = [
        Route("/api/v1/iframe/create", api.create_iframe_link, methods=["POST"]),
        Route("/api/v1/iframe/token/{cache_key}", api.token_lookup, methods=["GET"]),
        Route("/iframe/{cache_key}/", page.iframe_page, methods=["GET"]),
        Route("/.well-known/jwks.json", api.jwks, methods=["GET"]),
        Route("/openapi.json", api.openapi_document, methods=["GET"]),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await mock.store.close()

    # ClockSync is outermost so every later layer (journal, rules) reads the shared clock.
    middleware = [Middleware(ClockSync, mock=mock)]
    app = Starlette(routes=routes, exception_handlers=HANDLERS, middleware=middleware, lifespan=lifespan)
    app.state.mock = mock
    return app
