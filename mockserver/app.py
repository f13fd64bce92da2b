"""The Starlette application: routes to endpoints, error handlers, and the mock's parts."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from . import api, chat, page
from .errors import HANDLERS
from .mock import Mock


def create_app(mock: Mock) -> Starlette:
    routes = [
        Route("/api/v1/iframe/create", api.create_iframe_link, methods=["POST"]),
        Route("/api/v1/iframe/token/{cache_key}", api.token_lookup, methods=["GET"]),
        Route("/iframe/{cache_key}/", page.iframe_page, methods=["GET"]),
        Route("/iframe/{cache_key}/messages", chat.messages, methods=["GET", "POST"]),
        Route("/iframe-assets/chat.js", chat.chat_script, methods=["GET"]),
        Route("/.well-known/jwks.json", api.jwks, methods=["GET"]),
        Route("/openapi.json", api.openapi_document, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers=HANDLERS)
    app.state.mock = mock
    return app
