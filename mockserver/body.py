"""Reading a JSON request body safely: media type, size cap, UTF-8, JSON, object."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from .errors import ApiError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def media_kind(request: Request) -> str:
    """The Content-Type without parameters, lower case; empty when missing."""
    return (request.headers.get("content-type") or "").partition(";")[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


def unsupported_media(request: Request, accepted: str) -> ApiError:
    media = request.headers.get("content-type")
    shown = f"Content-Type {media[:80]!r} is not accepted" if media else "Content-Type is missing"
    return ApiError(415, f"{shown}; send the body as {accepted}")


async def read_json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    if not is_json(media_kind(request)):
        raise unsupported_media(request, "application/json")
    return parse_json_object(await read_capped(request, max_bytes))


async def read_capped(request: Request, max_bytes: int) -> bytes:
    """The raw body, refused with a 413 as soon as it passes `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"body: {declared} bytes is over this mock's limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:  # stop reading: the rest is never buffered
            raise ApiError(413, f"body: more than {max_bytes} bytes, over this mock's limit")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or an ApiError(400) saying why it is not one."""
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
    if not isinstance(value, dict):
        raise ApiError(400, f"body: a JSON {type_name(value)} was sent; the body must be a JSON object")
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
