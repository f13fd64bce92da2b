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


# The baseline of bench_resources.py: a create and a retrieve answering constant JSON, no validation, no state.
ITEM = {"id": 1, "content": "Revenue is net of refunds.", "connection_id": 1, "created_at": "2026-01-01T00:00:00Z"}


async def create_item(request: Request) -> Response:
    await request.body()
    return JSONResponse(ITEM, status_code=201)


async def retrieve_item(request: Request) -> Response:
    return JSONResponse(ITEM)


app.router.routes += [
    Route("/api/v1/knowledge-base/", create_item, methods=["POST"]),
    Route("/api/v1/knowledge-base/{id}/", retrieve_item, methods=["GET"]),
]
