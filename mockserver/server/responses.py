"""Answers in JSON: one encoder (orjson, `core.json_codec.dumps`) and one error shape, the vendor's `{"error": ...}`.

Endpoints that take a Starlette `Request` return `JSONResponse` (or `error_response`); raw ASGI code (the hot create
path, middleware) calls `send_json` / `send_error`. Both encode the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse as _StarletteJSONResponse
from starlette.types import Send

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import dumps
from mockserver.spec.answers import NO_BODY
from mockserver.spec.operation import Operation


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


async def send_empty(send: Send, status: int, headers: Mapping[str, str] | None = None) -> None:
    """An answer with no body (a 204 may not even say its length is 0)."""
    raw = [] if status in (204, 304) else [(b"content-length", b"0")]
    if headers:
        raw.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b""})


async def send_answer(
    send: Send, operation: Operation, status: int, body: Any, headers: Mapping[str, str] | None = None
) -> None:
    """`body` as the operation documents `status`: its media type and its documented headers (`headers`, the
    endpoint's own, win); NO_BODY, a 204 or a 304 without a body."""
    documented = operation.answer(status)
    sent = {**documented.headers, **(headers or {})} if documented is not None and documented.headers else headers
    if body is NO_BODY or status in (204, 304):
        await send_empty(send, status, sent)
    elif documented is None or documented.content_type is None:
        await send_body(send, dumps(body), status, b"application/json", sent)
    else:
        await send_body(send, documented.encode(body), status, documented.content_type.encode(), sent)


async def send_refusal(send: Send, operation: Operation, refusal: ApiError) -> None:
    """A refused request, with the status the document gives it and its message in the documented error shape."""
    status = operation.refusal(refusal.status)
    await send_answer(send, operation, status, operation.error_body(status, refusal.message), refusal.headers)


async def send_json(send: Send, content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
    await send_body(send, dumps(content), status, b"application/json", headers)


async def send_error(send: Send, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
    await send_json(send, error_body(message), status, headers)
