"""Every operation the mock has no behaviour of its own for, served from the document alone.

Auth follows the operation's `security`, parameters and body are checked with the compiled validators, and the
answer is the documented success status with a body taken from a valid documented example, or else drawn from the
schema: realistic, and the same for the same request (the draw is seeded by the request). A refusal comes in the
shape the operation documents for its status, else as `{"error": ...}`.

The one thing remembered of an operation without behaviour of its own: a resource a DELETE removed (the path of an
operation with a path parameter) is gone for the session, it and everything under it answered 404, as the vendor's
API does. A collection's operations keep their items in the store and answer their own 404s instead.

An operation with behaviour of its own (a collection's, an STS token's) passes the same checks first, then hands
the accepted request to its `Behaviour`, unless `Prefer` (or `--responses fuzz`) chose a documented answer.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver.core.camelai import CAMELAI
from mockserver.core.errors import ApiError
from mockserver.core.rules import AuthResult
from mockserver.mock import Mock
from mockserver.server.body import read_documented_body
from mockserver.server.request_parts import cookie_map, header_map, query_map
from mockserver.server.responses import send_answer, send_refusal
from mockserver.server.routes import Raw
from mockserver.server.sessions import requested_session, session_named
from mockserver.spec.answers import NO_BODY as NO_BODY
from mockserver.spec.contract import Operation
from mockserver.spec.coverage import refusal_kind
from mockserver.spec.generate import GenerationError, realistic
from mockserver.spec.validation import short


@dataclass(frozen=True)
class Accepted:
    """A request that passed auth and the document's checks."""

    scope: Scope
    headers: dict[str, str]
    query: dict[str, list[str]]
    body: Any  # the body's fields (a JSON object's, a form's), None when none was sent or it is no object
    auth: AuthResult


# What an operation with behaviour of its own answers an accepted request: a status and a body (or _NO_BODY).
Behaviour = Callable[[Mock, Operation, Accepted], Awaitable[tuple[int, Any]]]


def generic_endpoint(operation: Operation, behaviour: Behaviour | None = None) -> Raw:
    # Its path names one resource, which a DELETE may remove (a collection's item is its behaviour's to answer for);
    # a removed one is answered 404 only where the operation documents one.
    named = behaviour is None and "{" in operation.path
    resource = Resource(named and operation.answer(404) is not None, named and operation.method == "DELETE")

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        mock: Mock = scope["app"].state.mock
        state = scope["state"]
        state.pop("counts", None)  # a request run again on a moved clock (store/round.py) counts anew
        state.pop("breaches", None)
        try:
            status, body = await answer(mock, operation, scope, receive, behaviour, resource)
        except ApiError as refusal:
            state["error"] = refusal.message
            kind = refusal_kind(refusal.status, state.get("breaches"))
            if kind is not None:  # counted by the journal (spec/coverage.py), with the request's other counters
                state.setdefault("counts", []).append(("r", operation.operation_id, kind))
            await send_refusal(send, operation, refusal)
            return
        await send_answer(send, operation, status, body)

    return Raw(endpoint)


async def answer(
    mock: Mock,
    operation: Operation,
    scope: Scope,
    receive: Receive,
    behaviour: Behaviour | None = None,
    resource: Resource | None = None,
) -> tuple[int, Any]:
    """The status and body an accepted request gets; raises ApiError for a refused one."""
    headers = header_map(scope)
    query = query_map(scope)
    cookies = cookie_map(headers)
    settings = mock.settings
    auth = operation.security.check(
        headers, query, cookies, settings.api_keys, settings.allow_anonymous, mock.sts.check
    )
    if auth.error:
        raise ApiError(401, auth.error, {"WWW-Authenticate": operation.security.challenge})
    if auth.claims is not None:  # an STS token: the journal names its uid
        scope["state"]["uid"] = auth.claims.get("sub")
    if resource is None or not (resource.answers_gone or resource.removes):
        return await _accepted(mock, operation, scope, receive, headers, query, cookies, auth, behaviour)
    session = session_named(mock, requested_session(scope, mock.link_prefixes))
    if resource.answers_gone and await mock.store.removed(session, scope["path"]):
        raise ApiError(404, f"path: {short(scope['path'])} names a resource deleted in this session")
    status, body = await _accepted(mock, operation, scope, receive, headers, query, cookies, auth, behaviour)
    if resource.removes and 200 <= status < 300:
        await mock.store.remove_resource(session, scope["path"], mock.clock.now())
    return status, body


@dataclass(frozen=True)
class Resource:
    """What an operation whose path names one resource does with the resources a DELETE removed in the session."""

    answers_gone: bool  # a removed one (or one below it) is its documented 404
    removes: bool  # its success removes the resource (a DELETE)


async def _accepted(
    mock: Mock,
    operation: Operation,
    scope: Scope,
    receive: Receive,
    headers: dict[str, str],
    query: dict[str, list[str]],
    cookies: dict[str, str],
    auth: AuthResult,
    behaviour: Behaviour | None,
) -> tuple[int, Any]:
    body, media = await read_documented_body(operation, headers, receive, mock.settings.max_body_bytes)
    if isinstance(body, dict) and isinstance(body.get(CAMELAI.uid_field), str):
        scope["state"]["uid"] = body[CAMELAI.uid_field]  # the journal names it, refused or not
    path_params = scope.get("path_params", {})
    problems = operation.check_request(path_params, query, headers, cookies, body, media=media)
    if problems:  # a credential's value stays out of the answer and the journal
        problems = [mock.contract.secrets.sentence(p) for p in problems]
    op_id = operation.operation_id
    plan = mock.coverage.get(op_id)  # none for the mock's own additions
    counts = scope["state"]["counts"] = plan.sent(query, headers, body) if plan is not None else []
    if problems:
        scope["state"]["errors"] = problems
        breaches = scope["state"]["breaches"] = operation.breaches(
            path_params, query, headers, cookies, body, media=media
        )
        counts += [("b", op_id, field, rule) for field, rule in sorted(breaches)]
        raise ApiError(400, "; ".join(problems))
    responder = mock.responders[operation.operation_id]
    prefer = headers.get("prefer")
    if prefer is not None or responder.fuzzing:
        chosen = responder.choose(prefer)
        if chosen is not None:
            if chosen.example is not None:
                scope["state"]["example"] = chosen.example
            return chosen.status, chosen.body
    if behaviour is not None:
        fields = body if isinstance(body, dict) else None  # a behaviour reads an object's fields; others have none
        return await behaviour(mock, operation, Accepted(scope, headers, query, fields, auth))
    documented = operation.answer(operation.success)
    if documented is None:
        return operation.success, NO_BODY
    if documented.examples:
        name, example = next(iter(documented.examples.items()))
        scope["state"]["example"] = name
        return operation.success, example
    if documented.schema is None:
        return operation.success, documented.placeholder
    seed, now = _request_seed(operation, scope, body), mock.clock.now()
    validator = documented.validator
    resolve = validator.resolve if validator else None
    schema = documented.schema

    def draw() -> Any:
        return realistic(schema, random.Random(seed), now, validator, resolve=resolve)

    try:  # the same request in the same second of the mock's clock: the same answer, drawn once
        return operation.success, responder.drawn((seed, int(now)), draw)
    except GenerationError as exc:
        raise operation.unbuildable(operation.success, str(exc)) from None


def _request_seed(operation: Operation, scope: Scope, body: Any) -> int:
    """The same request (operation, path, query, JSON body) draws the same answer."""
    key = json.dumps(
        [operation.operation_id, scope["path"], scope.get("query_string", b"").decode("latin-1"), body],
        sort_keys=True,
        default=str,
    )
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
