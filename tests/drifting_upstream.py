"""A camelAI that has drifted from its document on purpose: the upstream the proxy's tests check.

`POST /api/v1/iframe/create` answers according to the `uid` sent:

| uid | answer |
| --- | --- |
| `wrong-type` | `expires_in` as the string "900" |
| `missing-field` | no `cache_key` |
| `undocumented-status` | a 500, which the document does not list |
| `extra-field` | an extra property (allowed: the schema does not forbid it) |
| `invalid-json` | `{"iframe_url": ` as application/json |
| `wrong-media` | an HTML page where JSON is documented |
| `gzip` | a valid answer, gzip-encoded |
| `chunked` | a valid answer, sent in chunks (no Content-Length) |
| `close` | a valid answer, then the connection closed (`Connection: close`) |
| `huge` | a valid answer padded to 100 kB |
| `slow` | nothing, until the connection goes away |
| `closed` | the connection closed without an answer |
| anything else | a valid answer |

`GET /echo` answers the request's query and headers as it received them. Run: `python -m tests.drifting_upstream`.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mockserver.server.middleware.faults import drop_connection


def valid(body: dict[str, Any]) -> dict[str, Any]:
    return {"iframe_url": "https://app.camelai.com/iframe/k3y/", "cache_key": "k3y", "expires_in": body.get("ttl", 900)}


async def create(request: Request) -> Response:
    body = await request.json()
    uid = body.get("uid")
    answer = valid(body)
    if uid == "wrong-type":
        answer["expires_in"] = "900"
    elif uid == "missing-field":
        del answer["cache_key"]
    elif uid == "undocumented-status":
        return JSONResponse({"error": "the vendor's server failed"}, status_code=500)
    elif uid == "extra-field":
        answer["surprise"] = True
    elif uid == "invalid-json":
        return Response(b'{"iframe_url": ', media_type="application/json")
    elif uid == "wrong-media":
        return Response("<html><body>Maintenance</body></html>", media_type="text/html")
    elif uid == "gzip":
        packed = gzip.compress(orjson.dumps(answer))
        return Response(packed, media_type="application/json", headers={"Content-Encoding": "gzip"})
    elif uid == "chunked":
        encoded = orjson.dumps(answer)

        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, len(encoded), 7):
                yield encoded[start : start + 7]

        return StreamingResponse(pieces(), media_type="application/json")
    elif uid == "close":
        return JSONResponse(answer, headers={"Connection": "close"})
    elif uid == "huge":
        answer["padding"] = "x" * 100_000
    elif uid == "slow":
        await asyncio.Event().wait()  # never set: the proxy's timeout ends the wait, and shutdown cancels it
    elif uid == "closed":
        send = request.scope["drop"]
        await drop_connection(send)
    return JSONResponse(answer)


async def echo(request: Request) -> Response:
    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]]
    return JSONResponse({"query": request.scope["query_string"].decode("latin-1"), "headers": headers})


class _KeepSend:
    """Hands the raw ASGI `send` to the endpoint, which drops the connection with it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope["drop"] = send
        await self.app(scope, receive, send)


app = _KeepSend(Starlette(routes=[Route("/api/v1/iframe/create", create, methods=["POST"]), Route("/echo", echo)]))


def main() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"drifting upstream listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="critical", access_log=False, timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
