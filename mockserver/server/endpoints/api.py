"""The JSON endpoints: thin translations between HTTP and the rules, tokens and store."""

from __future__ import annotations

import math
import os

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.core import rules
from mockserver.core.errors import ApiError
from mockserver.core.tokens import b64url
from mockserver.mock import Mock, mock_of
from mockserver.server.body import read_json_object
from mockserver.server.request_parts import cookie_map, header_map, query_map
from mockserver.server.responses import JSONResponse, send_json
from mockserver.server.sessions import link_query, requested_session, session_named, session_of
from mockserver.store.base import Link


async def create_iframe_link(scope: Scope, receive: Receive, send: Send) -> None:
    """The endpoint every client calls, so a raw ASGI app: no Request or Response objects on its path."""
    mock: Mock = scope["app"].state.mock
    state = scope["state"]
    headers = header_map(scope)
    create = mock.create
    assert create is not None  # this endpoint is routed only where the document has the create
    security = create.security
    query = query_map(scope) if "query" in security.locations else {}
    cookies = cookie_map(headers) if "cookie" in security.locations else {}
    auth = security.check(
        headers, query, cookies, mock.settings.api_keys, mock.settings.allow_anonymous, mock.sts.check
    )
    if auth.error:
        raise ApiError(401, auth.error, {"WWW-Authenticate": security.challenge})
    body = await read_json_object(headers, receive, mock.settings.max_body_bytes)
    if isinstance(body.get("uid"), str):
        state["uid"] = body["uid"]
    assert create.body is not None
    errors = create.body.errors(body)
    if not errors:
        fields = rules.resolve(body, create.defaults, create.fields)  # documented fields, with the defaults
        policy = mock.settings.api_keys.get(auth.key) if auth.key else None
        problem = rules.model_error(policy, fields["model"])
        errors = [problem] if problem else []
    if errors:
        state["errors"] = errors
        raise ApiError(400, "; ".join(errors))
    prefer = headers.get("prefer")
    responder = mock.responders[create.operation_id]
    if prefer is not None or responder.fuzzing:  # the default path pays one header lookup
        chosen = responder.choose(prefer)
        if chosen is not None:
            await send_json(send, chosen.body, chosen.status)
            return
    session = session_named(
        mock, requested_session(scope, mock.link_prefixes)
    )  # on this path only the header names a session
    now = mock.clock.now()
    base = mock.public_base(scope, headers.get("host"))
    # One draw for both: the cache key's 24 bytes (192 bits) are its first 32 characters, the jti's 16 the rest.
    drawn = b64url(os.urandom(40)).decode()
    cache_key = drawn[:32]
    claims = rules.claims(fields, issuer=base, audience=mock.settings.audience, now=now, jti=drawn[32:])
    link = Link(cache_key, mock.signer.sign(claims), claims, claims["exp"])
    await mock.store.put_link(session, link, now)
    answer = {
        "iframe_url": f"{base}/iframe/{cache_key}/{link_query(session)}",
        "cache_key": cache_key,
        "expires_in": fields["ttl"],
    }
    await send_json(send, answer)


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
