"""Answers in JSON: one encoder (orjson, `core.json_codec.dumps`) and one error shape, the vendor's `{"error": ...}`.

Endpoints that take a Starlette `Request` return `JSONResponse` (or `error_response`); raw ASGI code (the hot create
path, middleware) calls `send_json` / `send_error`. Both encode the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse as _StarletteJSONResponse
from starlette.types import Send

from mockserver.core.json_codec import dumps


def error_body(message: str) -> dict[str, str]:
    """The one shape of every error the mock answers."""
    return {"error": message}


class JSONResponse(_StarletteJSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message), status_code=status, headers=headers)


async def send_body(
    send: Send, body: bytes, status: int, content_type: bytes, headers: Mapping[str, str] | None = None
) -> None:
    """Answer straight through ASGI, for code that builds no Response object."""
    raw = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
    if headers:
        raw.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_empty(send: Send, status: int) -> None:
    """An answer with no body (a 204 may not even say its length is 0)."""
    headers = [] if status == 204 else [(b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def send_json(send: Send, content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
    await send_body(send, dumps(content), status, b"application/json", headers)


async def send_error(send: Send, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
    await send_json(send, error_body(message), status, headers)
