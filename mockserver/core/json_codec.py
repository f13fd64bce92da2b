"""JSON in and out, outside any web framework: orjson on the usual path, the stdlib where orjson falls short.

Parsing refuses what is not a usable JSON value with an `ApiError(400)` that says why: besides malformed text, a
number beyond a 64-bit float's range (it would become infinity) and arrays and objects nested deeper than
`MAX_DEPTH` levels, each named by its place in the body. Encoding falls back to the stdlib for integers beyond
64 bits, which orjson refuses.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from mockserver.core.errors import ApiError

# Levels of arrays and objects a body may nest, the body itself being level 1. Real bodies nest three or four;
# jsonschema-rs and orjson's encoder give up near 255 levels, so a deeper value must never reach them.
MAX_DEPTH = 64
MAX_FIELD_CHARS = 100  # a field name quoted in an error (a client chooses the keys, and their length)
MAX_NUMBER_CHARS = 40  # a number quoted in an error, as sent


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # Integers beyond 64 bits are valid JSON that a client may send (a huge theme_id, say).
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# orjson reads integers beyond 64 bits as floats; a body with a 19-digit run goes to the stdlib parser instead.
# (A number beyond a float's range orjson refuses itself, so such a body reaches the stdlib parser too.)
_LONG_NUMBER = re.compile(rb"\d{19}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def field_name(path: list[str | int], root: str = "body") -> str:
    """`["limits", "hourly"]` → `limits.hourly`; `["srcs", 0]` → `srcs[0]`; `[]` → the root's name."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if root != "body" and text:
        text = root + (text if text.startswith("[") else "." + text)
    if len(text) > MAX_FIELD_CHARS:
        text = text[: MAX_FIELD_CHARS - 1] + "…"
    return text or root


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or an ApiError(400) saying why it is not one."""
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise ApiError(400, f"body: a JSON {type_name(value)} was sent; the body must be a JSON object")
    return value


def parse_json(raw: bytes) -> Any:
    """Any JSON value, read exactly (integers beyond 64 bits stay integers), or an ApiError(400) saying why not."""
    if _LONG_NUMBER.search(raw) is None:
        try:
            value = orjson.loads(raw)  # the usual body: a tenth of the stdlib parser's cost
        except orjson.JSONDecodeError:
            value = _parse_slowly(raw)  # the stdlib parser says precisely what is wrong
        else:
            if len(raw) > 2 * MAX_DEPTH:  # a shorter body cannot nest deeper: the usual one skips even the call
                _refuse_deep_nesting(raw, value)
    else:
        value = _parse_slowly(raw)
    return value


class _OutOfRange:
    """A number the stdlib parser read as infinity, kept as sent until its place in the body is known."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_slowly(raw: bytes) -> Any:
    if not raw.strip():
        raise ApiError(400, "body: is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, f"body: is not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
        ) from None
    out_of_range: list[_OutOfRange] = []

    def read_float(number: str) -> Any:
        value = float(number)
        if math.isinf(value):  # 1e400: JSON has no such number, and infinity has no JSON form to answer with
            out_of_range.append(_OutOfRange(number))
            return out_of_range[-1]
        return value

    try:
        value = json.loads(text, parse_constant=_no_constants, parse_float=read_float)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"body: is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ApiError(400, f"body: arrays and objects nest too deeply; a body may nest at most {MAX_DEPTH}") from None
    except ValueError as exc:
        raise ApiError(400, f"body: is not usable JSON ({str(exc)[:120]})") from None
    _refuse_deep_nesting(raw, value)  # first: the checks below recurse
    if out_of_range:
        _refuse_out_of_range(value)
    if "\\u" in text:
        _reject_lone_surrogates(value)
    return value


def type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _items(node: Any) -> Any:
    return node.items() if type(node) is dict else enumerate(node)


def _containers_below(level: list[Any]) -> list[Any]:
    return [child for node in level for _, child in _items(node) if type(child) is dict or type(child) is list]


def _path_to(levels: list[list[Any]], node: Any) -> list[str | int]:
    """Where `node`, one of `levels[-1]`, sits in the body: found by climbing one parent at a time (no paths kept)."""
    path: list[str | int] = []
    for parents in reversed(levels[:-1]):
        for parent in parents:
            key = next((k for k, v in _items(parent) if v is node), None)
            if key is not None:
                path.append(key)
                node = parent
                break
    return path[::-1]


def _refuse_out_of_range(value: Any) -> None:
    # A number read as infinity, the shallowest first (a repeated key may have replaced it: then there is none).
    levels = [[value]] if type(value) is dict or type(value) is list else []
    while levels and levels[-1]:
        for node in levels[-1]:
            for key, child in _items(node):
                if type(child) is _OutOfRange:
                    sent = (
                        child.text if len(child.text) <= MAX_NUMBER_CHARS else child.text[: MAX_NUMBER_CHARS - 1] + "…"
                    )
                    raise ApiError(
                        400,
                        f"{field_name([*_path_to(levels, node), key])}: {sent} is beyond the range of a JSON number "
                        "here (a 64-bit float, at most about 1.8e308 either way); send a finite number",
                    )
        levels.append(_containers_below(levels[-1]))
    if type(value) is _OutOfRange:
        raise ApiError(400, f"body: {value.text[:MAX_NUMBER_CHARS]} is a number, and beyond a 64-bit float's range")


def _refuse_deep_nesting(raw: bytes, value: Any) -> None:
    # Nesting deeper than MAX_DEPTH needs more than MAX_DEPTH opening brackets: most bodies never get to the walk.
    if len(raw) <= 2 * MAX_DEPTH or raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return
    if type(value) is not dict and type(value) is not list:
        return
    levels = [[value]]
    for _ in range(MAX_DEPTH):
        below = _containers_below(levels[-1])
        if not below:
            return
        levels.append(below)
    path = _path_to(levels, levels[-1][0])
    shown = field_name(path[:3]) + ("…" if len(path) > 3 else "")  # theme.x[0]…: the field, not 64 indexes
    raise ApiError(
        400,
        f"{shown}: nests arrays and objects {MAX_DEPTH + 1} levels deep (the body is the first); "
        f"a body may nest at most {MAX_DEPTH}",
    )


def _reject_lone_surrogates(value: Any) -> None:
    # JSON may escape half of a surrogate pair (\ud800); such a string is not Unicode text.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            400, "body: a string holds a lone surrogate escape (\\ud800–\\udfff), which is not text"
        ) from None
