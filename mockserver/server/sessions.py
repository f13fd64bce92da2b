"""Which session a request belongs to: `X-Mock-Session`, or `?mock_session=` where a browser cannot send headers.

Sessions keep parallel test workers apart on one mock; each name is checked by the contract's MockSession rule.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from mockserver.core.errors import ApiError
from mockserver.mock import Mock, mock_of
from mockserver.spec.contract import SESSION_PARAMETER, SESSION_QUERY

SESSION_HEADER = "x-mock-session"
DEFAULT_SESSION = "default"
# A browser opening an iframe URL cannot send headers; on the link's own paths the session may
# come as `?mock_session=` instead, which the create answer puts in `iframe_url`.


def session_of(request: Request) -> str:
    """The request's session for an endpoint: a name the contract refuses is a 400."""
    mock = mock_of(request)
    return session_named(mock, requested_session(request.scope, mock.link_prefixes))


def session_named(mock: Mock, name: str | None) -> str:
    if name is None:
        return DEFAULT_SESSION
    problems = mock.session_rule.errors(name)
    if problems:
        shown = "; ".join(p.removeprefix("body: ") for p in problems)
        raise ApiError(400, f"X-Mock-Session: {shown} (the contract's {SESSION_PARAMETER} parameter)")
    return name


def scope_session(mock: Mock, scope: Any) -> str:
    """The same for middleware, which cannot answer: an unusable name counts as the default session there
    (the endpoint itself answers it with a 400), so the journal still records the request."""
    return _scope_sessions(mock, scope)[0]


def usable_session(mock: Mock, scope: Any) -> str | None:
    """The request's session for middleware that acts in a session's name (queued faults): None when the name is
    unusable, so such a request changes no session's state and is answered its 400."""
    return _scope_sessions(mock, scope)[1]


def _scope_sessions(mock: Mock, scope: Any) -> tuple[str, str | None]:
    """Worked out once per request and kept in its scope."""
    state = scope.setdefault("state", {})
    found: tuple[str, str | None] | None = state.get("mock_sessions")
    if found is None:
        try:
            name = requested_session(scope, mock.link_prefixes)
        except ApiError:  # not UTF-8
            name = ""
        if name is None:
            found = (DEFAULT_SESSION, DEFAULT_SESSION)
        elif mock.session_rule.errors(name):
            found = (DEFAULT_SESSION, None)
        else:
            found = (name, name)
        state["mock_sessions"] = found
    return found


def requested_session(scope: Any, link_prefixes: tuple[str, ...]) -> str | None:
    """`X-Mock-Session`, or on the paths whose operations declare the `mock_session` query parameter (`link_prefixes`:
    the iframe link's own, since a browser cannot send headers) that parameter.

    The header is read as UTF-8, as the query parameter's percent-escapes are, so one name means one session either
    way; a header whose bytes are not UTF-8 is a 400 naming it.
    """
    for key, value in scope.get("headers", ()):
        if key == _SESSION_HEADER_RAW:
            return header_text(value)
    query = scope.get("query_string", b"")
    if query and scope["path"].startswith(link_prefixes):
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if key == SESSION_QUERY:
                return str(value)
    return None


_SESSION_HEADER_RAW = SESSION_HEADER.encode()  # ASGI header names arrive as lower-case bytes


def header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = raw[:40]
        raise ApiError(
            400, f"X-Mock-Session: {shown!r} is not valid UTF-8 (byte {exc.start}); send the session name as UTF-8"
        ) from None


def link_query(session: str) -> str:
    """What an iframe URL carries so a browser, which cannot send X-Mock-Session, stays in the session."""
    return "" if session == DEFAULT_SESSION else "?" + urlencode({SESSION_QUERY: session})
