"""Form and multipart bodies taken apart by python-multipart into their fields, each field a list of the values
sent under its name: text, a file's bytes as a string (one character a byte, so `maxLength` counts bytes), or a JSON
part already parsed (`Parsed`). The body's size is capped before it gets here (`--max-body-bytes`)."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, QuerystringParser

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.spec.coercion import Reading
from mockserver.spec.media_types import FORM, MULTIPART, is_json, parse_header, within
from mockserver.spec.validation import short


@dataclass(frozen=True)
class PartEncoding:
    """One property's entry in a form media's `encoding`."""

    content_types: tuple[str, ...] = ()  # the media types its part may have, lower case; empty: any
    style: str = "form"  # form, spaceDelimited, pipeDelimited or deepObject
    explode: bool = True


PLAIN = PartEncoding()


class Parsed:
    """A part already read as its media type (JSON): its value is not coerced again."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def decoded_text(raw: bytes, charset: str, where: str) -> str:
    """`raw` as text in `charset`, or a 400 naming `where` and the first byte that is not text."""
    try:
        codec = codecs.lookup(charset).name
        return raw.decode(codec)
    except LookupError:  # no such codec, or one that is no text encoding (rot13, base64)
        raise ApiError(400, f"{where}: charset {short(charset)} is not one this mock knows; send UTF-8") from None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1]
        raise ApiError(400, f"{where}: is not valid {codec} text (byte {exc.start}: {bad!r})") from None


def form_fields(raw: bytes, encoding: Mapping[str, PartEncoding]) -> dict[str, list[Any]]:
    """`a=1&a=2&b=x` → `{"a": ["1", "2"], "b": ["x"]}`, percent-decoded as UTF-8; a field the encoding gives a
    JSON contentType is parsed as JSON."""
    pairs: list[tuple[bytearray, bytearray]] = []

    def start() -> None:
        pairs.append((bytearray(), bytearray()))

    def on_name(data: bytes, begin: int, end: int) -> None:
        pairs[-1][0].extend(data[begin:end])

    def on_value(data: bytes, begin: int, end: int) -> None:
        pairs[-1][1].extend(data[begin:end])

    parser = QuerystringParser({"on_field_start": start, "on_field_name": on_name, "on_field_data": on_value})
    try:
        parser.write(raw)
        parser.finalize()
    except FormParserError as exc:
        raise ApiError(400, f"body: is not a valid {FORM} body ({exc})") from None
    fields: dict[str, list[Any]] = {}
    for key, data in pairs:
        name = decoded_text(_unquoted(key), "utf-8", "body (a field's name)")
        text = decoded_text(_unquoted(data), "utf-8", name[:100] or "body")
        types = encoding[name].content_types if name in encoding else ()
        fields.setdefault(name, []).append(_json_part(name, text.encode(), types[0]) if _all_json(types) else text)
    return fields


def _unquoted(data: bytearray) -> bytes:
    return unquote_to_bytes(bytes(data).replace(b"+", b" "))


def _all_json(types: tuple[str, ...]) -> bool:
    return bool(types) and all(map(is_json, types))


def _json_part(name: str, data: bytes, kind: str) -> Parsed:
    try:
        return Parsed(parse_json(data))
    except ApiError as exc:
        raise ApiError(400, f"{name}: {exc.message.removeprefix('body: ')} (documented as {kind})") from None


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


def multipart_fields(
    raw: bytes, boundary: str | None, encoding: Mapping[str, PartEncoding], shape: Reading
) -> dict[str, list[Any]]:
    """Each part by its name: JSON parts parsed (`Parsed`), files as strings of their bytes, the rest as text."""
    if not boundary:
        raise ApiError(400, f"Content-Type: {MULTIPART} needs a boundary parameter, which names the parts' separator")
    parts: list[_Part] = []
    header = [bytearray(), bytearray()]
    ended: list[bool] = []

    def on_header_end() -> None:
        parts[-1].headers[header[0].decode("latin-1").strip().lower()] = header[1].decode("latin-1").strip()
        header[0].clear()
        header[1].clear()

    callbacks: Any = {
        "on_part_begin": lambda: parts.append(_Part()),
        "on_part_data": lambda data, begin, end: parts[-1].data.extend(data[begin:end]),
        "on_header_field": lambda data, begin, end: header[0].extend(data[begin:end]),
        "on_header_value": lambda data, begin, end: header[1].extend(data[begin:end]),
        "on_header_end": on_header_end,
        "on_end": lambda: ended.append(True),
    }
    try:
        parser = MultipartParser(boundary.encode("latin-1", "replace"), callbacks)
        parser.write(raw)
        parser.finalize()
    except FormParserError as exc:
        raise ApiError(
            400, f"body: is not a valid {MULTIPART} body with the boundary {boundary[:70]} ({exc})"
        ) from None
    if not ended:
        raise ApiError(400, f"body: the {MULTIPART} body ends before its closing boundary --{boundary[:70]}--")
    fields: dict[str, list[Any]] = {}
    for number, part in enumerate(parts, 1):
        _, disposition = parse_header(part.headers.get("content-disposition", ""))
        if "name" not in disposition:
            raise ApiError(400, f"body: part {number} has no name in a Content-Disposition: form-data header")
        name = disposition["name"].encode("latin-1").decode("utf-8", "replace")
        value = _part_value(name, part, "filename" in disposition, encoding.get(name), shape.member(name))
        fields.setdefault(name, []).append(value)
    return fields


def _part_value(name: str, part: _Part, is_file: bool, encoding: PartEncoding | None, shape: Reading) -> Any:
    """A part's value: parsed as JSON where its Content-Type (its own, else the encoding's, else OpenAPI's default:
    JSON for an object) says so, a string of its bytes for a file, else its text."""
    declared = part.headers.get("content-type")
    allowed = encoding.content_types if encoding else ()
    if declared:
        kind, params = parse_header(declared)
    else:
        kind, params = (allowed[0] if len(allowed) == 1 else _default_part_type(shape)), {}
    if declared and allowed and not any(within(kind, one) for one in allowed):
        raise ApiError(400, f"{name}: Content-Type {short(kind)} is not one the document gives ({', '.join(allowed)})")
    data = bytes(part.data)
    if is_json(kind):
        return _json_part(name, data, kind)
    if is_file or (kind and not kind.startswith("text/")):
        return data.decode("latin-1")  # a file: its bytes, one character each
    return decoded_text(data, params.get("charset", "utf-8"), name)


def _default_part_type(shape: Reading) -> str:
    inner = shape.items if shape.kind == "array" and shape.items else shape
    return "application/json" if inner.kind == "object" else ""
