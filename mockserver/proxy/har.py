"""Recordings as HAR 1.2, the format browsers, MSW, Microcks and WireMock read: written as exchanges happen, read
back for `mockserver serve --replay`.

Layout: the file is complete after every entry. Each entry is one line of JSON before the closing `]}}`; appending
overwrites that tail with `,` and the new entry and writes the tail again after it, in one write. Only the tail's
offset is held in memory, however long the recording. An existing file is appended to after a restart (an exclusive
lock keeps a second process out); one that does not end as a HAR file does is refused rather than damaged.

Credentials never reach the file: the headers, query parameters and body fields the document names as credentials
(`spec/secrets.py`) are written as "[redacted]", and so is every JWT. Each entry carries the operation it was for in
`_operation` and the contract violations of the exchange in `_violations`.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mockserver.config import ConfigError
from mockserver.core.clock import format_time
from mockserver.proxy.upstream import UpstreamAnswer, header_value
from mockserver.server.middleware.journal import USUAL_SECRET_HEADERS, redact_text
from mockserver.spec.secrets import REDACTED, Secrets

try:
    import fcntl
except ImportError:  # Windows: the proxy still imports and runs; recording needs POSIX file calls (see HarFile)
    HAS_FLOCK = False
else:
    HAS_FLOCK = True

CREATOR = "camelai-iframe-mock"
TAIL = b"\n]}}\n"
ALWAYS_SECRET = USUAL_SECRET_HEADERS | {b"set-cookie"}  # whatever the document says; Set-Cookie is an answer's
_OPEN = re.compile(rb'\A\s*\{\s*"log"\s*:\s*\{')
_OURS = b'{"log":{"version":"1.2","creator":{"name":"' + CREATOR.encode() + b'"'
_CLOSE = re.compile(rb"([\[}])\s*\]\s*\}\s*\}\s*\Z")  # the last entry's `}` (or the empty list's `[`), then `]}}`
_TAIL_WINDOW = 4096


def _head(version: str) -> bytes:
    log = {"version": "1.2", "creator": {"name": CREATOR, "version": version}, "pages": [], "entries": []}
    return orjson.dumps({"log": log})[: -len(b"]}}")]  # ends with `"entries":[`


class HarFile:
    """A HAR file kept complete on disk while entries are appended; see the module's docstring for the layout."""

    def __init__(self, path: str | os.PathLike[str], version: str) -> None:
        self.path = Path(path)
        if not HAS_FLOCK or not hasattr(os, "pwrite"):
            raise ConfigError(
                f"--record {self.path}: recording needs POSIX file locks and positioned writes (fcntl.flock, "
                "os.pwrite), which this platform lacks; run the proxy without --record"
            )
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # recordings hold real answers: owner only
        except OSError as exc:
            raise ConfigError(f"--record {self.path}: cannot open it for writing ({exc.strerror})") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise ConfigError(f"--record {self.path}: another process is recording into it") from None
        try:
            self._end, self._empty = self._open_layout(version)
        except ConfigError:
            os.close(self._fd)
            raise

    def _open_layout(self, version: str) -> tuple[int, bool]:
        """Where the next entry goes, and whether the entries list is empty; a new file gets its head first."""
        size = os.fstat(self._fd).st_size
        if size == 0:
            head = _head(version)
            os.pwrite(self._fd, head + TAIL[1:], 0)
            return len(head), True
        start = os.pread(self._fd, 256, 0)
        tail_at = max(0, size - _TAIL_WINDOW)
        close = _CLOSE.search(os.pread(self._fd, _TAIL_WINDOW, tail_at))
        if not _OPEN.match(start) or close is None:
            raise ConfigError(
                f"--record {self.path}: not a HAR file this proxy can append to (it must be a JSON object whose "
                "'log' ends with its 'entries' list); it may have been cut short: record into a new file"
            )
        if not start.startswith(_OURS) and not _entries_last(self.path):
            raise ConfigError(f"--record {self.path}: its log's last member is not 'entries'; record into a new file")
        end = tail_at + close.end(1)
        os.pwrite(self._fd, TAIL, end)  # the tail in this layout, whatever whitespace it had
        os.ftruncate(self._fd, end + len(TAIL))
        return end, close.group(1) == b"["

    def append(self, entry: dict[str, Any]) -> None:
        line = (b"\n" if self._empty else b",\n") + orjson.dumps(entry)
        os.pwrite(self._fd, line + TAIL, self._end)  # one write: the file is a whole HAR before and after it
        self._end += len(line)
        self._empty = False

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1


def _entries_last(path: Path) -> bool:
    """For a HAR file another tool wrote: read it once, at start-up, to be sure entries go where they belong."""
    try:
        log = json.loads(path.read_bytes()).get("log")
    except (ValueError, AttributeError):
        return False
    return isinstance(log, dict) and list(log)[-1:] == ["entries"]


@dataclass(frozen=True)
class Request:
    """The request as it went upstream, for the record."""

    method: str
    url: str  # the upstream's origin, the raw path, and the query
    http_version: str
    headers: list[tuple[bytes, bytes]]
    query: str
    body: bytes


def entry(
    secrets: Secrets,
    started: float,
    request: Request,
    answer: UpstreamAnswer | Failure,
    decoded: bytes | None,
    operation: str | None,
    violations: list[str],
    comment: str | None = None,
) -> dict[str, Any]:
    """One HAR entry, redacted. `decoded` is the answer's body without its Content-Encoding (None: it could not
    be decoded, and the raw bytes are kept, with `_encoded` naming the coding still applied). An exchange the
    upstream did not answer is recorded as browsers record one: status 0, and why in `_error`."""
    query = secrets.query_string(request.query)
    url = request.url + (f"?{query}" if query else "")
    post: dict[str, Any] | None = None
    if request.body:
        post = {"mimeType": header_value(request.headers, b"content-type") or "", **_text(request.body, secrets)}
        if "encoding" in post:  # not a field of HAR's postData: a custom one
            post["_encoding"] = post.pop("encoding")
    wait, receive = round(answer.wait * 1000, 3), round(answer.receive * 1000, 3)
    out: dict[str, Any] = {
        "startedDateTime": format_time(started),
        "time": round(wait + receive, 3),
        "request": {
            "method": request.method,
            "url": redact_text(url),
            "httpVersion": f"HTTP/{request.http_version}",
            "cookies": [],
            "headers": _headers(request.headers, secrets),
            "queryString": [
                {"name": name, "value": redact_text(value)} for name, value in parse_qsl(query, keep_blank_values=True)
            ],
            **({"postData": post} if post is not None else {}),
            "headersSize": -1,
            "bodySize": len(request.body),
        },
        "response": _response(answer, decoded, secrets),
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": wait, "receive": receive},
        "_operation": operation,
        "_violations": [redact_text(secrets.sentence(v)) for v in violations],
    }
    if comment:
        out["comment"] = comment
    return out


@dataclass(frozen=True)
class Failure:
    """What the upstream gave instead of an answer."""

    error: str  # the proxy's 502 or 504 message
    wait: float  # seconds until it failed
    receive: float = 0.0


def _response(answer: UpstreamAnswer | Failure, decoded: bytes | None, secrets: Secrets) -> dict[str, Any]:
    if isinstance(answer, Failure):
        content = {"size": 0, "mimeType": ""}
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": redact_text(answer.error),
        }
    body = decoded if decoded is not None else answer.raw
    content = {"size": len(body), "mimeType": answer.header(b"content-type") or "", **_text(body, secrets)}
    if decoded is None:
        content["_encoded"] = answer.header(b"content-encoding")
    elif len(answer.raw) != len(decoded):
        content["compression"] = len(decoded) - len(answer.raw)
    return {
        "status": answer.status,
        "statusText": answer.reason,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(answer.headers, secrets),
        "content": content,
        "redirectURL": answer.header(b"location") or "",
        "headersSize": -1,
        "bodySize": len(answer.raw),
    }


def _headers(headers: list[tuple[bytes, bytes]], secrets: Secrets) -> list[dict[str, str]]:
    out = []
    for key, value in headers:
        name = key.decode("latin-1")
        secret = key in ALWAYS_SECRET or secrets.header(name)
        out.append({"name": name, "value": REDACTED if secret else redact_text(value.decode("latin-1"))})
    return out


def _text(body: bytes, secrets: Secrets) -> dict[str, str]:
    """A body as HAR holds it: text with its credentials and JWTs redacted, or base64 when it is not UTF-8."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}
    return {"text": redact_text(secrets.body(text))}
