"""The iframe page's chat: one thread per uid, canned replies, and the per-uid limits.

The vendor says the same uid shares its thread history across iframes, so threads are keyed by
uid (within a session), never by cache key. The threads are those of the threads API (threads.py);
each keeps its newest `MAX_MESSAGES` messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mockserver.core import limits
from mockserver.core.camelai import CAMELAI
from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json_object
from mockserver.mock import Mock, mock_of
from mockserver.server.body import is_json, media_kind, read_capped, unsupported_media
from mockserver.server.endpoints.threads import chat_say, chat_thread
from mockserver.server.responses import JSONResponse
from mockserver.server.sessions import link_query, session_of
from mockserver.store.base import Link

FORM = "application/x-www-form-urlencoded"
POST_MESSAGE = "mock_iframe_messages_create"
_SCRIPT = Path(__file__).with_name("chat.js").read_bytes()


async def live_link(mock: Mock, session: str, cache_key: str, now: float) -> Link:
    lookup = await mock.store.get_link(session, cache_key, now)
    if lookup.link is None:
        if lookup.expired:
            raise ApiError(410, "cache_key: this iframe link has expired; ask the app for a new one")
        raise ApiError(404, "cache_key: no iframe link has this key (never issued by this mock, or reset)")
    return lookup.link


async def _read_message(request: Request, max_bytes: int) -> tuple[dict[str, Any], bool]:
    """The body as a mapping, and whether it came from a plain HTML form."""
    content_type = request.headers.get("content-type")
    kind = media_kind(content_type)
    declared = request.headers.get("content-length")
    if kind == FORM:
        raw = await read_capped(request.receive, declared, max_bytes)
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ApiError(400, "body: the form is not valid UTF-8") from None
        return dict(pairs), True
    if not is_json(kind):
        raise unsupported_media(content_type, f"application/json or {FORM}")
    return parse_json_object(await read_capped(request.receive, declared, max_bytes)), False


async def post_message(request: Request) -> Response:
    mock = mock_of(request)
    session = session_of(request)
    now = mock.clock.now()
    cache_key = request.path_params["cache_key"]
    link = await live_link(mock, session, cache_key, now)
    uid = request.state.uid = link.claims["sub"]
    body, from_form = await _read_message(request, mock.settings.max_body_bytes)
    validator = mock.contract.operation(POST_MESSAGE).body
    errors = validator.errors(body) if validator else []
    if errors:
        request.state.errors = errors
        raise ApiError(400, "; ".join(errors))
    windows = limits.windows_of(await mock.store.get_limits(session, uid))
    decision = await mock.store.hit(session, limits.uid_bucket(uid), windows, now)
    page = f"{request.scope.get('root_path', '')}/iframe/{cache_key}/{link_query(session)}"
    if not decision.allowed:
        if from_form:  # the page shows the refusal itself, from the same counters
            return RedirectResponse(page, 303)
        raise ApiError(429, limits.refusal(decision, uid), limits.headers(decision))
    said = await chat_say(
        mock,
        session,
        uid,
        link.claims[CAMELAI.create.model],
        list(link.claims[CAMELAI.create.sources]),
        str(body["message"]),
    )
    if from_form:
        return RedirectResponse(page, 303, headers=limits.headers(decision))
    return JSONResponse({"messages": said, "rate_limit": limits.summary(decision)}, headers=limits.headers(decision))


async def thread_and_limit(
    mock: Mock, session: str, uid: str, now: float
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], Any]:
    """The uid's thread (None before its first message), its messages, and the decision its next message would
    get, counting nothing."""
    thread, messages = await chat_thread(mock, session, uid)
    windows = limits.windows_of(await mock.store.get_limits(session, uid))
    decision = await mock.store.peek(session, limits.uid_bucket(uid), windows, now)
    return thread, messages, decision


async def list_messages(request: Request) -> Response:
    mock = mock_of(request)
    session = session_of(request)
    now = mock.clock.now()
    link = await live_link(mock, session, request.path_params["cache_key"], now)
    uid = request.state.uid = link.claims["sub"]
    _, messages, decision = await thread_and_limit(mock, session, uid, now)
    return JSONResponse(
        {"messages": messages, "rate_limit": limits.summary(decision, counted=False)},
        headers=limits.headers(decision, counted=False),
    )


async def chat_script(request: Request) -> Response:
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8", headers=headers)
