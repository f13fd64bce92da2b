"""The JSON endpoints: thin translations between HTTP and the rules, tokens and store."""

from __future__ import annotations

import math
import os
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver.core import rules
from mockserver.core.camelai import CAMELAI
from mockserver.core.errors import ApiError
from mockserver.core.tokens import b64url
from mockserver.mock import Mock, mock_of
from mockserver.server.endpoints.generic import Accepted
from mockserver.server.responses import JSONResponse
from mockserver.server.sessions import link_query, requested_session, session_named, session_of
from mockserver.spec.contract import Operation
from mockserver.store.base import Link


async def create_iframe_link(mock: Mock, operation: Operation, request: Accepted) -> tuple[int, Any]:
    """The create's behaviour, after the accept pipeline every operation passes (auth, parameters, body, `Prefer`):
    the key's models, then a signed token stored behind a new cache key."""
    fields = rules.resolve(request.body or {}, operation.defaults, operation.fields)  # documented, with defaults
    policy = mock.settings.api_keys.get(request.auth.key) if request.auth.key else None
    f = CAMELAI.create
    problem = rules.model_error(policy, fields[f.model])
    if problem:
        request.scope["state"]["errors"] = [problem]
        raise ApiError(400, problem)
    scope = request.scope
    session = session_named(mock, requested_session(scope, mock.link_prefixes))  # only the header names one here
    now = mock.clock.now()
    base = mock.public_base(scope, request.headers.get("host"))
    # One draw for both: the cache key's 24 bytes (192 bits) are its first 32 characters, the jti's 16 the rest.
    drawn = b64url(os.urandom(40)).decode()
    cache_key = drawn[:32]
    claims = rules.claims(fields, issuer=base, audience=mock.settings.audience, now=now, jti=drawn[32:])
    link = Link(cache_key, mock.signer.sign(claims), claims, claims["exp"])
    await mock.store.put_link(session, link, now)
    return operation.success, {
        f.iframe_url: f"{base}/iframe/{cache_key}/{link_query(session)}",
        f.cache_key: cache_key,
        f.expires_in: fields[f.ttl],
    }


async def token_lookup(request: Request) -> Response:
    mock = mock_of(request)
    now = mock.clock.now()
    lookup = await mock.store.get_link(session_of(request), request.path_params["cache_key"], now)
    found = lookup.link
    if found is None:
        state = "has expired" if lookup.expired else "was never issued by this mock"
        raise ApiError(404, f"cache_key: no live token; this key {state}")
    request.state.uid = found.claims["sub"]
    return JSONResponse({"token": found.token, "expires_in": seconds_left(found, now)})


def seconds_left(link: Link, now: float) -> int:
    return max(math.ceil(link.expires_at - now), 1)


async def jwks(request: Request) -> Response:
    return JSONResponse(mock_of(request).signer.jwks())


async def openapi_document(request: Request) -> Response:
    mock = mock_of(request)
    return Response(
        mock.contract.served(mock.public_base(request.scope, request.headers.get("host"))),
        media_type="application/json",
    )
