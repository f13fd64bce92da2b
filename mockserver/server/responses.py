"""JSON encoding on the hot path: orjson (a tenth of the stdlib encoder's cost), stdlib for what orjson refuses."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse as _StarletteJSONResponse
from starlette.types import Send

from mockserver.core.json_codec import dumps


class JSONResponse(_StarletteJSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


async def send_json(send: Send, content: Any, status: int = 200) -> None:
    """Answer with JSON straight through ASGI, for an endpoint that builds no Response object."""
    body = dumps(content)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
