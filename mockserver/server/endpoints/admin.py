"""The admin API under `/__mock/`: the clock, the journal, faults, resources, reset, and its own OpenAPI document.

Described by `admin.openapi.yaml` (every object in it is a mock addition), which also validates
its request bodies. Thin endpoints: the rules live in the clock, the store and `validation`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from mockserver.core.clock import ClockError, format_time, parse_time
from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json_object
from mockserver.mock import Mock, mock_of
from mockserver.server.admin_access import AdminAccess
from mockserver.server.body import read_capped
from mockserver.server.endpoints import admin_page, admin_resources
from mockserver.server.middleware import faults
from mockserver.server.middleware.journal import cap_text, present
from mockserver.server.responses import JSONResponse
from mockserver.server.routes import Endpoint, contract_routes
from mockserver.server.sessions import session_of
from mockserver.spec import coverage_report

# RFC 3339 date-time: a well-formed time the clock cannot hold is a 409, not a 400.
_RFC3339 = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)?"
)

Handler = Callable[[Request, Mock, str], Awaitable[Response]]  # an admin endpoint, given the mock and the session


def query_names(document: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Each operation's documented query parameters, read from the admin document."""
    out: dict[str, frozenset[str]] = {}
    for item in document.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                names = {p["name"] for p in op.get("parameters", ()) if p.get("in") == "query"}
                out[op["operationId"]] = frozenset(names)
    return out


def _admin(handler: Handler, known: frozenset[str], access: AdminAccess) -> Endpoint:
    """Wrap an admin endpoint: check who is asking (admin_access.py) and the query, resolve the session."""

    async def endpoint(request: Request) -> Response:
        access.check(request)
        unknown = sorted(set(request.query_params) - known)
        if unknown:  # a typo such as ?stauts=500 would otherwise silently match everything
            accepted = ", ".join(sorted(known)) or "none"
            raise ApiError(400, f"query parameter {unknown[0][:40]!r} is not known here; accepted: {accepted}")
        return await handler(request, mock_of(request), session_of(request))

    return endpoint


async def _body(request: Request, mock: Mock, operation: str, *, required: bool = True) -> dict[str, Any]:
    """The JSON body, checked by the admin document (its media type was checked with the rest of the access)."""
    raw = await read_capped(request.receive, request.headers.get("content-length"), mock.settings.max_body_bytes)
    if not raw and not required:
        return {}
    body = parse_json_object(raw)
    assert mock.admin is not None
    validator = mock.admin.operation(operation).body
    errors = validator.errors(body) if validator else []
    if errors:
        request.state.errors = errors
        raise ApiError(400, "; ".join(errors))
    return body


def clock_view(mock: Mock) -> dict[str, Any]:
    now = mock.clock.now()
    return {"now": format_time(now), "epoch": now, "frozen": mock.clock.state.frozen}


async def clock_get(request: Request, mock: Mock, session: str) -> Response:
    return JSONResponse(clock_view(mock))


async def clock_move(request: Request, mock: Mock, session: str) -> Response:
    body = await _body(request, mock, "admin_clock_move")
    try:
        if "advance" in body:
            mock.clock.advance(float(body["advance"]))
        else:
            text = body["set"]
            try:
                when = parse_time(text)
            except ClockError as exc:
                if _RFC3339.fullmatch(text.strip()):
                    raise ApiError(
                        409, f"set: {text[:60]!r} is well formed but the mock's clock cannot hold it"
                    ) from None
                raise ApiError(400, f"set: {exc}") from None
            mock.clock.set(when, allow_backwards=bool(body.get("allow_backwards", False)))
    except ClockError as exc:
        raise ApiError(409, str(exc)) from None
    await mock.store.save_clock(mock.clock.state)  # so other workers sharing the store can follow
    return JSONResponse(clock_view(mock))


def _status_filter(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.strip().isdigit()) or not 100 <= int(raw) <= 599:
        raise ApiError(400, f"status: {raw[:40]!r} is not an HTTP status from 100 to 599")
    return int(raw)


def matches(entry: dict[str, Any], path: str | None, status: int | None, uid: str | None, id_: str | None) -> bool:
    if id_ is not None and entry.get("id") != id_:
        return False
    if path is not None:
        wanted = entry["path"].startswith(path[:-1]) if path.endswith("*") else entry["path"] == path
        if not wanted:
            return False
    # A long uid is kept cut (journal.cap_text): the filter is cut the same way to find it.
    return (status is None or entry["status"] == status) and (uid is None or entry["uid"] == cap_text(uid))


async def journal_list(request: Request, mock: Mock, session: str) -> Response:
    q = request.query_params
    status = _status_filter(q.get("status"))
    wanted = q.get("path"), status, q.get("uid"), q.get("id")
    entries = [present(e) for e in await mock.store.journal(session) if matches(e, *wanted)]
    return JSONResponse({"requests": entries, "size": mock.settings.journal_size})


async def journal_clear(request: Request, mock: Mock, session: str) -> Response:
    await mock.store.journal_clear(session)
    return JSONResponse({"requests": [], "size": mock.settings.journal_size})


async def reset(request: Request, mock: Mock, session: str) -> Response:
    await _body(request, mock, "admin_reset", required=False)  # none, or {}
    await mock.store.reset(session)
    mock.violations.clear(session)
    return JSONResponse({"reset": session})


async def violations_list(request: Request, mock: Mock, session: str) -> Response:
    return JSONResponse(mock.violations.report(session))


async def violations_clear(request: Request, mock: Mock, session: str) -> Response:
    mock.violations.clear(session)
    return JSONResponse(mock.violations.report(session))


async def diff_get(request: Request, mock: Mock, session: str) -> Response:
    if mock.diff is None:
        raise ApiError(404, "this mock compares no documents: start it with --diff-from OLD to see what changed")
    return JSONResponse(mock.diff.as_json())


async def coverage_get(request: Request, mock: Mock, session: str) -> Response:
    scope = request.query_params.get("scope", "total")
    if scope not in ("total", "session"):
        raise ApiError(400, f"scope: {cap_text(scope)!r} is not one of total, session")
    glob = request.query_params.get("operations")
    if glob is not None and len(glob) > 200:
        raise ApiError(400, f"operations: a glob of {len(glob)} characters, more than the 200 it may have")
    tally = await mock.store.coverage(session if scope == "session" else None)
    return JSONResponse(coverage_report.report(mock.coverage, tally, glob))


async def coverage_clear(request: Request, mock: Mock, session: str) -> Response:
    await mock.store.coverage_clear(session)
    return JSONResponse(coverage_report.report(mock.coverage, await mock.store.coverage(None)))


async def faults_list(request: Request, mock: Mock, session: str) -> Response:
    return JSONResponse({"faults": await mock.store.faults(session)})


async def faults_add(request: Request, mock: Mock, session: str) -> Response:
    body = await _body(request, mock, "admin_faults_add")
    problem = faults.fault_problem(body)
    if problem:
        request.state.errors = [problem]
        raise ApiError(400, problem)
    if not await mock.store.add_fault(session, {**body, "count": body.get("count", 1)}, faults.MAX_QUEUED_FAULTS):
        raise ApiError(409, faults.queue_full(session))
    return JSONResponse({"faults": await mock.store.faults(session)}, 201)


async def faults_clear(request: Request, mock: Mock, session: str) -> Response:
    await mock.store.clear_faults(session)
    return JSONResponse({"faults": []})


async def resources_list(request: Request, mock: Mock, session: str) -> Response:
    return JSONResponse(await admin_resources.catalogue(mock, session))


async def resources_get(request: Request, mock: Mock, session: str) -> Response:
    name = request.path_params["collection"]
    return JSONResponse({"collection": name, "resources": await admin_resources.everything(mock, session, name)})


async def resources_replace(request: Request, mock: Mock, session: str) -> Response:
    name = request.path_params["collection"]
    admin_resources.collection_named(mock, name)  # an unknown collection is a 404 before the body is read
    body = await _body(request, mock, "admin_resources_replace")
    stored = await admin_resources.replace(mock, session, name, body["resources"])
    return JSONResponse({"collection": name, "resources": stored})


async def resources_clear(request: Request, mock: Mock, session: str) -> Response:
    name = request.path_params["collection"]
    await admin_resources.replace(mock, session, name, [])
    return JSONResponse({"collection": name, "resources": []})


def served_document(mock: Mock) -> bytes:
    """The admin document, saying whether this mock wants the admin key."""
    assert mock.admin is not None
    doc = mock.admin.document
    if mock.settings.admin_key is not None:
        doc = {**doc, "security": [{"AdminKey": []}]}
    return json.dumps(doc).encode()


async def page(request: Request, mock: Mock, session: str) -> Response:
    view = request.query_params.get("view", "journal")
    if view not in ("journal", "coverage"):
        raise ApiError(400, f"view: {cap_text(view)!r} is not one of journal, coverage")
    if view == "coverage":
        report = coverage_report.report(mock.coverage, await mock.store.coverage(None))
        html = admin_page.render_coverage(session, report)
        return Response(html, media_type="text/html; charset=utf-8", headers=admin_page.HEADERS)
    now = mock.clock.now()
    entries = [present(e) for e in await mock.store.journal(session)]
    links = await mock.store.live_links(session, now)
    html = admin_page.render(session, clock_view(mock), entries, links, now)
    return Response(html, media_type="text/html; charset=utf-8", headers=admin_page.HEADERS)


# Each operation of admin.openapi.yaml, by operation id, and its handler; paths and methods come from the document.
ADMIN_ENDPOINTS: dict[str, Handler] = {
    "admin_page": page,
    "admin_clock_get": clock_get,
    "admin_clock_move": clock_move,
    "admin_journal_list": journal_list,
    "admin_journal_clear": journal_clear,
    "admin_reset": reset,
    "admin_faults_list": faults_list,
    "admin_faults_add": faults_add,
    "admin_faults_clear": faults_clear,
    "admin_violations_list": violations_list,
    "admin_violations_clear": violations_clear,
    "admin_diff_get": diff_get,
    "admin_coverage_get": coverage_get,
    "admin_coverage_clear": coverage_clear,
    "admin_resources_list": resources_list,
    "admin_resources_get": resources_get,
    "admin_resources_replace": resources_replace,
    "admin_resources_clear": resources_clear,
}


def routes(mock: Mock) -> list[BaseRoute]:
    """The admin routes; none with --no-admin, so `/__mock/...` is then a plain 404."""
    if mock.admin is None:
        return []
    names = query_names(mock.admin.document)
    document = served_document(mock)  # encoded once, not per request

    async def openapi(request: Request, mock: Mock, session: str) -> Response:
        return Response(document, media_type="application/json")

    handlers = {**ADMIN_ENDPOINTS, "admin_openapi": openapi}
    access = AdminAccess(mock.settings)
    endpoints: dict[str, Endpoint] = {
        operation: _admin(handler, names.get(operation, frozenset()), access) for operation, handler in handlers.items()
    }
    return contract_routes(mock.admin, endpoints)
