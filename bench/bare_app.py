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


def redis_app() -> Starlette:
    """The limit of any Redis-backed design (`--store redis` in bench_resources.py and bench_store.py): the same
    routes and answers, each after exactly one Redis round trip (a GET), with the client library and options the mock
    uses. `uvicorn --factory bare_app:redis_app`, the server in BARE_REDIS_URL."""
    import os

    from redis.asyncio import BlockingConnectionPool, Redis

    from mockserver.store.redis import POOL_SIZE, POOL_WAIT, client_options

    url = os.environ["BARE_REDIS_URL"]
    pool = BlockingConnectionPool.from_url(url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **client_options())
    redis = Redis(connection_pool=pool)

    async def create_link(request: Request) -> Response:
        await request.body()
        await redis.get("bare:answer")
        return JSONResponse(ANSWER)

    async def create_one(request: Request) -> Response:
        await request.body()
        await redis.get("bare:item")
        return JSONResponse(ITEM, status_code=201)

    async def retrieve_one(request: Request) -> Response:
        await redis.get("bare:item")
        return JSONResponse(ITEM)

    return Starlette(
        routes=[
            Route("/api/v1/iframe/create", create_link, methods=["POST"]),
            Route("/api/v1/knowledge-base/", create_one, methods=["POST"]),
            Route("/api/v1/knowledge-base/{id}/", retrieve_one, methods=["GET"]),
        ]
    )
