"""JSON in and out, outside any web framework: orjson on the usual path, the stdlib where orjson falls short.

Parsing refuses what is not a usable JSON value with an `ApiError(400)` that says why; encoding falls back to the
stdlib for integers beyond 64 bits, which orjson refuses.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from mockserver.core.errors import ApiError


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # Integers beyond 64 bits are valid JSON that a client may send (a huge theme_id, say).
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# orjson reads integers beyond 64 bits as floats; a body with a 19-digit run goes to the stdlib parser instead.
_LONG_NUMBER = re.compile(rb"\d{19}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


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
