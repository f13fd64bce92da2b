"""Reading a JSON request body safely: media type, size cap, UTF-8, JSON, object.

The functions take the raw parts of a request (headers and the ASGI `receive`), so the hot create
endpoint uses them without building a Starlette `Request`, and the other endpoints pass theirs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from .errors import ApiError

# orjson reads integers beyond 64 bits as floats; a body with a 19-digit run goes to the stdlib parser instead.
_LONG_NUMBER = re.compile(rb"\d{19}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def media_kind(content_type: str | None) -> str:
    """The Content-Type without parameters, lower case; empty when missing."""
    return (content_type or "").partition(";")[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


def unsupported_media(content_type: str | None, accepted: str) -> ApiError:
    shown = f"Content-Type {content_type[:80]!r} is not accepted" if content_type else "Content-Type is missing"
    return ApiError(415, f"{shown}; send the body as {accepted}")


async def read_json_object(headers: Mapping[str, str], receive: Receive, max_bytes: int) -> dict[str, Any]:
    """A JSON object body; `headers` by lower-case name (Starlette's `request.headers`, or `header_map`)."""
    content_type = headers.get("content-type")
    if not is_json(media_kind(content_type)):
        raise unsupported_media(content_type, "application/json")
    return parse_json_object(await read_capped(receive, headers.get("content-length"), max_bytes))


async def read_capped(receive: Receive, declared: str | None, max_bytes: int) -> bytes:
    """The raw body, refused with a 413 as soon as it passes `max_bytes` (or declares more with Content-Length)."""
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"body: {declared} bytes is over this mock's limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:  # stop reading: the rest is never buffered
            raise ApiError(413, f"body: more than {max_bytes} bytes, over this mock's limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or an ApiError(400) saying why it is not one."""
    if _LONG_NUMBER.search(raw) is None:
        try:
            value = orjson.loads(raw)  # the usual body: a tenth of the stdlib parser's cost
        except orjson.JSONDecodeError:
            value = _parse_slowly(raw)  # the stdlib parser says precisely what is wrong
    else:
        value = _parse_slowly(raw)
    if not isinstance(value, dict):
        raise ApiError(400, f"body: a JSON {type_name(value)} was sent; the body must be a JSON object")
    return value


def _parse_slowly(raw: bytes) -> Any:
    if not raw.strip():
        raise ApiError(400, "body: is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, f"body: is not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
        ) from None
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"body: is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"body: is not usable JSON ({str(exc)[:120] or 'nested too deeply'})") from None
    if "\\u" in text:
        _reject_lone_surrogates(value)
    return value


def type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _reject_lone_surrogates(value: Any) -> None:
    # JSON may escape half of a surrogate pair (\ud800); such a string is not Unicode text.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            400, "body: a string holds a lone surrogate escape (\\ud800–\\udfff), which is not text"
        ) from None
