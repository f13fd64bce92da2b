"""`mockserver serve --replay FILE.har`: a request that matches a recorded one gets the recorded answer.

A request matches when its method, path, query (in any order) and body (equal as JSON, else byte for byte) are a
recorded request's, headers aside; credentials and JWTs are compared as the recording redacted them. The same request
recorded several times is answered in the recorded order, per session, the last answer repeating. Any other request
gets the mock's own behaviour, or with `--replay-only` a 404 naming the closest recorded request.

The mock's own operations (`x-mock` in the document: the token lookup, the iframe page, ...) are never replayed:
their behaviour stays the mock's. Recorded answers are checked against the document at start-up; those that break it
are listed as warnings, and replayed as recorded. Entries of exchanges the upstream never answered (status 0) are
left out.
"""

from __future__ import annotations

import base64
import difflib
import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.config import ConfigError
from mockserver.core.errors import ApiError
from mockserver.mock import Mock
from mockserver.server.body import read_capped
from mockserver.server.middleware.journal import redact_text
from mockserver.server.responses import send_error
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.server.sessions import scope_session
from mockserver.spec.contract import Contract
from mockserver.spec.secrets import REDACTED
from mockserver.spec.validation import short

MAX_SESSIONS = 256  # sessions whose place in each recorded sequence is remembered
# Not replayed: the mock's own server frames the answer, dates it and names itself.
_NOT_REPLAYED = {
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "date",
    "server",
    "content-encoding",
}

Query = tuple[tuple[str, str], ...]
Key = tuple[str, str, Query, bytes]  # method, path, sorted query pairs, canonical body


@dataclass(frozen=True)
class Recorded:
    number: int  # the entry's place in the file, from 1
    operation: str | None
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ReplayIndex:
    """A HAR file read once at start-up: its answers by request, and what the document says of them."""

    def __init__(self, path: str | Path, contract: Contract) -> None:
        self.path = Path(path)
        self.secrets = contract.secrets
        self.table = contract.routes
        self.answers: dict[Key, list[Recorded]] = {}
        self.routes: dict[tuple[str, str], list[Key]] = {}
        self.warnings: list[str] = []
        self.skipped = 0  # entries for the mock's own operations
        self.unanswered = 0  # entries of exchanges the upstream did not answer (status 0)
        self._cursors: OrderedDict[str, dict[Key, int]] = OrderedDict()
        for number, raw in enumerate(_entries(self.path), start=1):
            self._add(number, raw)

    @property
    def size(self) -> int:
        return sum(len(answers) for answers in self.answers.values())

    def _add(self, number: int, raw: Any) -> None:
        where = f"{self.path}: entry {number}"
        try:
            request, response = raw["request"], raw["response"]
            method, url, status = str(request["method"]).upper(), str(request["url"]), int(response["status"])
            headers = [(str(h["name"]), str(h["value"])) for h in response.get("headers") or ()]
            asked = [(str(h["name"]).lower(), str(h["value"])) for h in request.get("headers") or ()]
            content = response.get("content") or {}
            body = _bytes(content)
            sent = _bytes(request.get("postData") or {})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                f"{where}: not a HAR entry with request.method, request.url and response.status ({exc})"
            ) from None
        if status == 0:  # the upstream failed to answer (a 502 or 504 from the proxy): nothing to replay
            self.unanswered += 1
            return
        parts = urlsplit(url)
        path = unquote(parts.path) or "/"
        raw_headers = [(n.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for n, v in asked]
        found = self.table.find(method, path, parts.query, raw_headers)
        if found.operation is not None and found.operation.mock:
            self.skipped += 1  # the mock's own operation: its behaviour stays the mock's
            return
        kept = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers
            if name.lower() not in _NOT_REPLAYED and value != REDACTED
        ]
        if content.get("_encoded"):
            kept.append((b"content-encoding", str(content["_encoded"]).encode("latin-1")))
        self._check(number, method, path, found.operation, status, headers, body, bool(content.get("_encoded")))
        key = (method, path, _query(urlsplit(url).query), _canonical(sent))
        if key not in self.answers:
            self.routes.setdefault((method, path), []).append(key)
        operation = found.operation.operation_id if found.operation else None
        self.answers.setdefault(key, []).append(Recorded(number, operation, status, kept, body))

    def _check(
        self,
        number: int,
        method: str,
        path: str,
        operation: Any,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        encoded: bool,
    ) -> None:
        shown = f"{self.path}: entry {number} ({method} {path[:120]} -> {status})"
        if operation is None:
            self.warnings.append(f"{shown}: no operation in the document has this method and path; replayed unchecked")
            return
        if encoded or method == "HEAD":
            problems = operation.check_response(status, None)
        else:
            content_type = next((v for n, v in headers if n.lower() == "content-type"), None)
            problems, _ = operation.check_answer(status, content_type, body)
        if problems:
            self.warnings.append(f"{shown} breaks the document: {'; '.join(problems)}")

    def key(self, method: str, path: str, query: str, body: bytes) -> Key:
        """A live request as the recording would hold it: credentials and JWTs redacted the same way."""
        text = _utf8(body)
        redacted = redact_text(self.secrets.body(text)).encode() if text is not None else body
        return (method, redact_text(path), _query(redact_text(self.secrets.query_string(query))), _canonical(redacted))

    def answer(self, session: str, key: Key) -> Recorded | None:
        """The next recorded answer to this request in `session`; the last one repeats."""
        answers = self.answers.get(key)
        if answers is None:
            return None
        cursors = self._cursors.get(session)
        if cursors is None:
            cursors = self._cursors[session] = {}
            if len(self._cursors) > MAX_SESSIONS:
                self._cursors.popitem(last=False)
        else:
            self._cursors.move_to_end(session)
        place = cursors.get(key, 0)
        cursors[key] = min(place + 1, len(answers) - 1)
        return answers[place]

    def is_own(self, method: str, path: str) -> bool:
        """The request is for one of the mock's own operations, which replay leaves alone."""
        operation = self.table.find(method, path).operation
        return operation is not None and operation.mock

    def closest(self, key: Key) -> str:
        """Why nothing recorded matches `key`, naming the recorded request closest to it."""
        method, path, query, body = key
        asked = f"{method} {path[:120]}"
        if not self.answers:
            return f"{asked}: {self.path} holds no recorded request to replay (--replay-only)"
        same = self.routes.get((method, path))
        if same:
            best = min(same, key=lambda k: (k[2] != query, _distance(k[3], body)))
            number = self.answers[best][0].number
            if best[2] != query:
                wanted = "&".join(f"{n}={v}" for n, v in best[2]) or "none"
                difference = f"its query differs (recorded {short(wanted)})"
            else:
                difference = f"its body differs: {_difference(best[3], body)}"
            return f"{asked}: no recorded request matches (--replay-only); the closest, entry {number} of {self.path}, is the same request but {difference}"
        names = {f"{m} {p}": (m, p) for m, p in self.routes}
        nearest = difflib.get_close_matches(f"{method} {path}", list(names), n=1, cutoff=0) or [next(iter(names))]
        number = self.answers[self.routes[names[nearest[0]]][0]][0].number
        return f"{asked}: no recorded request matches (--replay-only); the closest in {self.path} is entry {number}, {short(nearest[0])[1:-1]}"


def _entries(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"--replay {path}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"--replay {path}: not a HAR file (not JSON: {exc})") from None
    entries = (
        data.get("log", {}).get("entries") if isinstance(data, dict) and isinstance(data.get("log"), dict) else None
    )
    if not isinstance(entries, list):
        raise ConfigError(f"--replay {path}: not a HAR file (no log.entries list)")
    return entries


def _bytes(content: dict[str, Any]) -> bytes:
    """A HAR body (`postData` or `content`): its text, base64-decoded when marked so."""
    text = content.get("text")
    if not isinstance(text, str):
        return b""
    if content.get("encoding") == "base64" or content.get("_encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8", "surrogatepass")


def _utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _query(raw: str) -> Query:
    return tuple(sorted(parse_qsl(raw, keep_blank_values=True)))


def _canonical(body: bytes) -> bytes:
    """Equal JSON bodies give equal bytes (keys sorted, spacing dropped); anything else stays as it is."""
    if not body.strip():
        return b""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


def _distance(recorded: bytes, sent: bytes) -> float:
    return 1 - difflib.SequenceMatcher(None, recorded[:2000], sent[:2000]).ratio()


def _difference(recorded: bytes, sent: bytes) -> str:
    """The first place two bodies differ, named as a field: `ttl: recorded 900, sent 60`."""
    found = _first_difference(_json(recorded), _json(sent), "")
    if found is None:
        return "not as JSON (byte for byte)"
    where, was, now = found
    return f"{where or 'body'}: recorded {was}, sent {now}"


def _first_difference(a: Any, b: Any, here: str) -> tuple[str, str, str] | None:
    """The field where two JSON values first differ, with each side's value; None when they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for name in sorted(set(a) | set(b)):
            field = f"{here}.{name}" if here else str(name)
            if name not in a or name not in b:
                return field, short(a[name]) if name in a else "nothing", short(b[name]) if name in b else "nothing"
            found = _first_difference(a[name], b[name], field)
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{here}[{i}]")
            if found:
                return found
        return None
    return None if a == b else (here, short(a), short(b))


class ReplayMiddleware:
    """Answers recorded requests from the index; inside the journal and faults, so replays are journaled."""

    def __init__(self, app: ASGIApp, mock: Mock, index: ReplayIndex, only: bool = False) -> None:
        self.app = app
        self.mock = mock
        self.index = index
        self.only = only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        query = scope["query_string"].decode("latin-1")
        if (method, redact_text(path)) not in self.index.routes:  # nothing recorded here: the body is not read
            if self.only and not self.index.is_own(method, path):
                await self._refuse(scope, send, self.index.key(method, path, query, b""))
                return
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        try:
            body = await read_capped(receive, _text(headers.get(b"content-length")), self.mock.settings.max_body_bytes)
        except ApiError as refusal:
            await send_error(send, refusal.status, refusal.message)
            return
        key = self.index.key(method, path, query, body)
        recorded = self.index.answer(scope_session(self.mock, scope), key)
        if recorded is not None:
            state = scope.setdefault("state", {})
            state["operation"] = recorded.operation
            out = [*recorded.headers, (b"content-length", b"%d" % len(recorded.body))]
            out.append((b"x-mock-replayed", b"%d" % recorded.number))
            await send({"type": "http.response.start", "status": recorded.status, "headers": out})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else recorded.body})
            return
        if self.only:
            await self._refuse(scope, send, key)
            return
        await self.app(scope, _again(body, receive), send)

    async def _refuse(self, scope: Scope, send: Send, key: Key) -> None:
        message = self.index.closest(key)
        scope.setdefault("state", {})["error"] = message
        await send_error(send, 404, message)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _again(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body to the mock's own endpoint, then waits as the server's does."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def replay_layers(mock: Mock, index: ReplayIndex | None = None) -> list[Middleware]:
    """What `serve --replay` adds inside the mock's own middleware (`create_app(mock, inner=...)`); none without it."""
    if not mock.settings.replay:
        return []
    index = index or ReplayIndex(mock.settings.replay, mock.contract)
    return [Middleware(ReplayMiddleware, mock=mock, index=index, only=mock.settings.replay_only)]
