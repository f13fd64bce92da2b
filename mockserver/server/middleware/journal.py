"""The journal: every request the mock answers, per session, in a bounded ring (`GET /__mock/requests`).

An ASGI middleware, cheap on the hot path: it copies at most `BODY_CAP` bytes of each body,
decodes them once, and reads what endpoints left in `request.state` (operation, uid, errors).
Every field a client can make large is capped as it is recorded, as the bodies are: each text
(path, query, uid, error, each header value) at `TEXT_CAP` characters, the headers together at
`HEADERS_CAP` bytes, the errors at `ERRORS_CAP` characters, so an entry never holds more than
about 22 KiB (as JSON) whatever was sent. Credentials are dropped as the entry is recorded: the
values of `Authorization`, `Proxy-Authorization`, `Cookie`, `X-API-Key` and of every header and
query parameter an `apiKey` security scheme of the contract names, and of every body property it marks `writeOnly`
or `format: password` (`spec/secrets.py`; all read once, at start-up); JWTs
in bodies, paths and errors are redacted by `present()` whenever the journal is read, so no
reader ever sees one. With `--no-admin` nothing could read it, so there is no journal.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable
from secrets import token_hex
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.clock import format_time
from mockserver.core.coverage import Counts, Key
from mockserver.core.json_codec import dumps
from mockserver.mock import Mock
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.server.sessions import scope_session
from mockserver.spec.secrets import redact_query
from mockserver.store.round import ClockMoved

BODY_CAP = 4096  # bytes of each request and response body kept
TEXT_CAP = 1024  # characters kept of the path, the query, the uid, the error and each header value
HEADERS_CAP = 4096  # bytes of header names and (capped) values kept, all headers together
ERRORS_CAP = 4096  # characters of validation errors kept, all together
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# Credential headers whatever the contract says (camelAI's own documents send keys as X-API-Key).
USUAL_SECRET_HEADERS = frozenset({b"authorization", b"proxy-authorization", b"cookie", b"x-api-key"})
REDACTED = "[redacted]"


def redact(raw: bytes) -> bytes:
    return JWT.sub(b"[redacted JWT]", raw) if b"eyJ" in raw else raw


def redact_text(text: Any) -> Any:
    """A string a client chose (a uid, a path, an error quoting a value) may hold a JWT too."""
    if isinstance(text, str) and "eyJ" in text:
        return redact(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")
    return text


def present(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the journal shows it: its time, and every JWT redacted.

    Recording keeps requests cheap (no regex, no formatting); this runs only when someone reads the journal.
    """
    shown = {key: redact_text(value) for key, value in entry.items() if key not in ("headers", "body", "answer")}
    shown["errors"] = [redact_text(e) for e in entry.get("errors") or ()]
    shown["request"] = {
        "headers": {k: redact_text(v) for k, v in (entry.get("headers") or {}).items()},
        "body": redact_text(entry.get("body")),
    }
    shown["response"] = {"body": redact_text(entry.get("answer"))}
    return {"time": format_time(entry["epoch"]), **shown}


class _Record:
    """One request as it passes: what was received and sent, kept as it goes (one object, no closures)."""

    __slots__ = ("_receive", "_send", "request", "request_size", "response", "response_size", "status")

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive, self._send = receive, send
        self.request: list[bytes] = []
        self.response: list[bytes] = []
        self.request_size = self.response_size = 0
        self.status: int | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        chunk = message.get("body", b"")
        if chunk and self.request_size < BODY_CAP:
            self.request.append(chunk[: BODY_CAP - self.request_size])
        self.request_size += len(chunk)
        return message

    def send(self, message: Message) -> Awaitable[None]:
        # Not a coroutine itself: the caller awaits the server's own send, one frame fewer per message.
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            chunk = message.get("body", b"")
            if chunk and self.response_size < BODY_CAP:
                self.response.append(chunk[: BODY_CAP - self.response_size])
            self.response_size += len(chunk)
        return self._send(message)


def _text(chunks: list[bytes], size: int) -> str | None:
    if not size:
        return None
    text = (chunks[0] if len(chunks) == 1 else b"".join(chunks)).decode("utf-8", "replace")
    return text + f"… ({size} bytes in all)" if size > BODY_CAP else text


def cap_text(text: str) -> str:
    """A client's text as the journal keeps it: its first `TEXT_CAP` characters and its length."""
    return text if len(text) <= TEXT_CAP else f"{text[:TEXT_CAP]}… ({len(text)} characters in all)"


def _cap(value: Any) -> Any:
    return cap_text(value) if isinstance(value, str) and len(value) > TEXT_CAP else value


def _headers(raw: list[tuple[bytes, bytes]], secret: frozenset[bytes]) -> dict[str, str]:
    if sum(len(key) + len(value) for key, value in raw) <= TEXT_CAP:  # the usual request: nothing to cut
        return {key.decode("latin-1"): REDACTED if key in secret else value.decode("latin-1") for key, value in raw}
    kept: dict[str, str] = {}
    size = 0
    for i, (key, value) in enumerate(raw):
        size += len(key) + min(len(value), TEXT_CAP)
        if size > HEADERS_CAP:
            left = raw[i:]
            bytes_left = sum(len(k) + len(v) for k, v in left)
            kept["…"] = f"{len(left)} more header(s), {bytes_left} bytes, not kept"
            break
        kept[key.decode("latin-1")] = REDACTED if key in secret else _cap(value.decode("latin-1"))
    return kept


def _query(raw: bytes, secret: frozenset[str]) -> str:
    return cap_text(redact_query(raw.decode("latin-1"), secret))  # only when the contract sends a key in the query


def _errors(errors: Any) -> Any:
    """The first validation errors, up to `ERRORS_CAP` characters together; how many more there were."""
    if not errors:
        return ()
    kept: list[str] = []
    size = 0
    for error in errors:
        size += min(len(error), TEXT_CAP)
        if size > ERRORS_CAP:
            kept.append(f"… and {len(errors) - len(kept)} more error(s)")
            break
        kept.append(_cap(error))
    return kept


def _fault(fault: dict[str, Any] | None) -> dict[str, Any] | None:
    """A queued fault as the journal keeps it: its body (as large as an admin body may be) cut to its JSON's start."""
    if fault is None or "body" not in fault:
        return fault
    body = dumps(fault["body"])
    return {**fault, "body": _text([body[:BODY_CAP]], len(body))} if len(body) > TEXT_CAP else fault


class JournalMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock
        found = [mock.contract.credentials, *([mock.admin.credentials] if mock.admin else [])]
        self.secret_headers = USUAL_SECRET_HEADERS | {name.encode("latin-1") for c in found for name in c.headers}
        self.secret_query = frozenset(name for c in found for name in c.query)
        self.secrets = mock.contract.secrets  # for the writeOnly fields of bodies
        self.routes = mock.contract.routes
        self.plans = mock.coverage
        # Entry ids unique across workers and replicas without a system call a request: a random prefix per process.
        self.id_prefix, self.numbers = token_hex(4) + "-", itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        mock = self.mock
        started = mock.clock.now()
        record = _Record(receive, send)
        outcome = "answered"
        try:
            await self.app(scope, record.receive, record.send)
        except ClockMoved:  # the request runs again on the moved clock (store/round.py): that run is journaled
            outcome = "again"
            raise
        except BaseException:
            outcome = "dropped" if scope.get("state", {}).get("fault", {}).get("drop") else "failed"
            raise
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            if state.get("disconnected"):  # error_handlers.on_client_disconnect: status 499
                outcome = "disconnected"
            # Shaped, timed and redacted by present() when read, not on every request. Besides itself, nothing in it
            # that the garbage collector tracks: strings, numbers, a dict of strings, no empty list.
            entry = {
                "id": f"{self.id_prefix}{next(self.numbers):x}",  # `GET /__mock/requests?id=` finds it
                "epoch": started,
                "method": _cap(scope["method"]),
                "path": _cap(scope["path"]),
                "query": _query(scope["query_string"], self.secret_query),
                # A failure is answered by Starlette's outermost handler with a 500; a drop gets no answer.
                "status": None if outcome == "dropped" else (record.status or 500),
                "outcome": outcome,
                # A fault, a replay or a refusal answered before routing: named from the route table all the same.
                "operation": state.get("operation")
                or self.routes.operation_id(scope["method"], scope["path"], scope["query_string"], scope["headers"]),
                "uid": _cap(state.get("uid")),
                "errors": _errors(state.get("errors")),
                "error": _cap(state.get("error")),
                "fault": _fault(state.get("fault")),
                "headers": _headers(scope["headers"], self.secret_headers),
                "body": self.secrets.body(_text(record.request, record.request_size)),
                "answer": _text(record.response, record.response_size),
            }
            if outcome != "again":
                counts = self._counts(entry["operation"], entry["status"], state)
                await mock.store.journal_append(scope_session(mock, scope), entry, mock.settings.journal_size, counts)

    def _counts(self, operation: str | None, status: int | None, state: dict[str, Any]) -> Counts:
        """The request's coverage counters (spec/coverage.py): the documented answer it got, with what the endpoint
        counted (the fields sent, the refusal's kind, the rules broken)."""
        plan = self.plans.get(operation) if operation is not None else None
        if plan is None:
            return ()
        counted: list[Key] = state.get("counts") or []
        key = plan.key_of(status) if status is not None else None
        if key is None:
            return tuple(counted)
        example = state.get("example")
        variant = "fault" if state.get("fault") else f"example:{example}" if example else ""
        return (("a", plan.operation_id, key, variant), *counted)
