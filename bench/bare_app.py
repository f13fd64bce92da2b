"""The baseline: a bare Starlette endpoint answering constant JSON, no validation, no state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ANSWER = {"iframe_url": "http://127.0.0.1/iframe/abc123xyz/", "cache_key": "abc123xyz", "expires_in": 900}


async def create(request: Request) -> Response:
    await request.body()
    return JSONResponse(ANSWER)


app = Starlette(routes=[Route("/api/v1/iframe/create", create, methods=["POST"])])
