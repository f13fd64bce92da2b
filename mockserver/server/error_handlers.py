"""One shape for every error the mock sends: the vendor's `{"error": "..."}`."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mockserver.core.errors import ApiError
from mockserver.server.responses import error_response
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.spec.routes import near_miss
from mockserver.store.base import StoreUnavailable

log = logging.getLogger("mockserver")
CLIENT_CLOSED = 499  # "client closed request" (nginx's): nobody is left to answer, and it is no failure of the mock


class DroppedByFault(Exception):
    """Raised to make the server close the connection without answering (a queued `drop` fault)."""


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    request.state.error = exc.message
    return error_response(exc.status, exc.message, exc.headers)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    method, path = request.method, request.url.path
    meant = _near_miss(request) if exc.status_code in (404, 405) else ""
    if exc.status_code == 404:
        message = f"{method} {path}: no such endpoint on this mock{meant or ' (see /openapi.json)'}"
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        message = f"{method} {path}: method not allowed; this path accepts {allow}{meant}"
    else:
        message = str(exc.detail)
    request.state.error = message
    return error_response(exc.status_code, message, dict(exc.headers or {}))


def _near_miss(request: Request) -> str:
    """`; did you mean POST /api/v1/knowledge-base/?`, when a documented path is that close (never a redirect)."""
    mock = getattr(request.app.state, "mock", None)
    if mock is None:
        return ""
    path = request.url.path
    contract = mock.admin if path.startswith(ADMIN_PREFIX) and mock.admin is not None else mock.contract
    hint = near_miss(contract.routes, request.method, path)
    return f"; did you mean {hint}?" if hint else ""


async def on_store_unavailable(request: Request, exc: Exception) -> Response:
    # Not the client's fault and not a bug: the shared store is down; it recovers by itself when the store is back.
    request.state.error = str(exc)
    return error_response(503, str(exc), {"Retry-After": "1"})


async def on_client_disconnect(request: Request, exc: Exception) -> Response:
    # The client went away before its request was whole: recorded as such (journal outcome "disconnected"), not
    # as a 500 with a traceback. The answer goes nowhere (the server drops what is sent on a closed connection).
    request.state.disconnected = True
    request.state.error = "the client closed the connection before sending its whole request"
    return error_response(CLIENT_CLOSED, request.state.error)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DroppedByFault):  # asked for, not a bug; nothing is sent once the response started
        return error_response(500, "connection dropped by a queued fault")
    # A bug in the mock, never the client's fault: say so without a traceback on the wire.
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return error_response(500, f"the mock failed unexpectedly ({type(exc).__name__}); see its log")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ApiError: on_api_error,
    HTTPException: on_http_exception,
    StoreUnavailable: on_store_unavailable,
    ClientDisconnect: on_client_disconnect,
    Exception: on_unexpected,
}
