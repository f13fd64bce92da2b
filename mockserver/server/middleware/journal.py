"""The journal: every request the mock answers, per session, in a bounded ring (`GET /__mock/requests`).

An ASGI middleware, cheap on the hot path: it copies at most `BODY_CAP` bytes of each body,
decodes them once, and reads what endpoints left in `request.state` (operation, uid, errors).
`Authorization` and cookie values are dropped as the entry is recorded; JWTs in bodies, paths and
errors are redacted by `present()` whenever the journal is read, so no reader ever sees one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.clock import format_time
from mockserver.mock import Mock
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.server.sessions import scope_session

BODY_CAP = 4096  # bytes of each request and response body kept
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
SECRET_HEADERS = {b"authorization", b"proxy-authorization", b"cookie"}


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


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {
        key.decode("latin-1"): "[redacted]" if key in SECRET_HEADERS else value.decode("latin-1") for key, value in raw
    }


class JournalMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock

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
        except BaseException:
            outcome = "dropped" if scope.get("state", {}).get("fault", {}).get("drop") else "failed"
            raise
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            # Shaped, timed and redacted by present() when read, not on every request. Besides itself, nothing in it
            # that the garbage collector tracks: strings, numbers, a dict of strings, no empty list.
            entry = {
                "epoch": started,
                "method": scope["method"],
                "path": scope["path"],
                "query": scope["query_string"].decode("latin-1"),
                # A failure is answered by Starlette's outermost handler with a 500; a drop gets no answer.
                "status": None if outcome == "dropped" else (record.status or 500),
                "outcome": outcome,
                "operation": state.get("operation"),
                "uid": state.get("uid"),
                "errors": state.get("errors") or (),
                "error": state.get("error"),
                "fault": state.get("fault"),
                "headers": _headers(scope["headers"]),
                "body": _text(record.request, record.request_size),
                "answer": _text(record.response, record.response_size),
            }
            await mock.store.journal_append(scope_session(mock, scope), entry, mock.settings.journal_size)
