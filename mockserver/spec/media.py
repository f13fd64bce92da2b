"""Request bodies of every documented media type: which documented one a Content-Type falls under, and the bytes
read into the value its schema validates.

- JSON (`application/json`, `application/*+json`): parsed by core/json_codec.py, as the create's body is.
- `application/x-www-form-urlencoded` and `multipart/form-data`: parsed by python-multipart into an object of
  fields. A field reads as its property's type (as a parameter does), an array from repeated keys or as the
  media's `encoding` styles it, an object from `name[key]` keys where the encoding says `deepObject`. A multipart
  part whose Content-Type (its own, or else the encoding's) is JSON is parsed as JSON; a file is a string of its
  bytes (one character each, so `maxLength` counts bytes), which `type: string, format: binary` (3.0) and
  `contentMediaType` (3.1) describe.
- `text/*`: the text in its charset (UTF-8 unless the Content-Type names another).
- Anything else (`application/octet-stream`, `image/png`, ...): a string of its bytes.

A body that does not decode is an `ApiError(400)` naming the field and what is wrong with it, as a bad JSON body is.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json, parse_json_object
from mockserver.spec.coercion import UNKNOWN, Shape, coerce_object, shape_of, typed
from mockserver.spec.validation import BodyValidator, short

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
OCTETS = "application/octet-stream"  # what a body without a Content-Type is taken for (RFC 9110 §8.3)
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}


@dataclass(frozen=True)
class PartEncoding:
    """One property's entry in a form media's `encoding`."""

    content_types: tuple[str, ...] = ()  # the media types its part may have, lower case; empty: any
    style: str = "form"  # form, spaceDelimited, pipeDelimited or deepObject
    explode: bool = True


_PLAIN = PartEncoding()


@dataclass(frozen=True)
class RequestMedia:
    """One media type of an operation's request body: what reads a body sent as it, and what judges the value."""

    kind: str  # as documented, lower case, without parameters: application/json, text/*, */*
    validator: BodyValidator | None  # None: a body of this media type is accepted unchecked
    shape: Shape = UNKNOWN
    encoding: Mapping[str, PartEncoding] = field(default_factory=dict)

    def decode(self, content_type: str | None, raw: bytes) -> Any:
        """The value `raw`, sent with `content_type` (which falls under this media type), stands for."""
        sent = (
            self.kind if content_type == self.kind else base_media(content_type or OCTETS)
        )  # the usual: as documented
        if self.shape.kind == "string" and "*" in self.kind and not sent.startswith("text/"):
            return raw.decode("latin-1")  # `*/*` documented as binary: whatever was sent is its bytes
        if is_json(sent):
            # A body whose schema wants an object keeps the create's words for any other JSON value.
            return parse_json_object(raw) if self.shape.kind == "object" else parse_json(raw)
        if sent == FORM:
            return self._fields(_form_fields(raw, self.encoding))
        params = _parse_header(content_type or OCTETS)[1]
        if sent == MULTIPART:
            return self._fields(_multipart_fields(raw, params.get("boundary"), self))
        if sent.startswith("text/"):
            return typed(_text(raw, params.get("charset", "utf-8"), "body"), self.shape)
        return raw.decode("latin-1")

    def _fields(self, fields: dict[str, list[Any]]) -> dict[str, Any]:
        """The form's fields as the object its schema describes."""
        out: dict[str, Any] = {}
        taken: set[str] = set()
        for name, encoding in self.encoding.items():  # deepObject: name[key]=value
            if encoding.style == "deepObject":
                opening = name + "["
                inner = {k: v for k, v in fields.items() if k.startswith(opening) and k.endswith("]")}
                if inner:
                    taken.update(inner)
                    shape = self.shape.member(name)
                    out[name] = {
                        k[len(opening) : -1]: _field(v, shape.member(k[len(opening) : -1]), _PLAIN)
                        for k, v in inner.items()
                    }
        for name, values in fields.items():
            if name not in taken:
                out[name] = _field(values, self.shape.member(name), self.encoding.get(name, _PLAIN))
        return out


class Parsed:
    """A multipart part already read as its media type (JSON): its value is not coerced again."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _field(values: list[Any], shape: Shape, encoding: PartEncoding) -> Any:
    """One form field's value from its sent values, read by its property's shape and the encoding's style."""
    if shape.kind == "array":
        if len(values) == 1 and isinstance(values[0], Parsed) and isinstance(values[0].value, list):
            return values[0].value  # a JSON part holding the whole array
        if len(values) == 1 and isinstance(values[0], str) and not encoding.explode:
            values = values[0].split(_DELIMITERS.get(encoding.style, ",")) if values[0] else []
        return [v.value if isinstance(v, Parsed) else typed(v, shape.items or UNKNOWN) for v in values]
    first = values[0]
    if isinstance(first, Parsed):
        return first.value
    if shape.kind == "object":  # form, not exploded: role,admin,age,5
        parts = first.split(_DELIMITERS.get(encoding.style, ","))
        if len(parts) % 2 == 0:
            return coerce_object({k: [v] for k, v in zip(parts[::2], parts[1::2], strict=True)}, shape)
        return first
    return typed(first, shape)


def compile_media(kind: str, media: Mapping[str, Any], validator: BodyValidator | None) -> RequestMedia:
    """A request body's media object (`kind` as documented), its schema compiled as `validator`."""
    schema = media.get("schema")
    encoding: dict[str, PartEncoding] = {}
    for name, raw in _mapping(media.get("encoding")).items():
        entry = _mapping(raw)
        style = str(entry.get("style", "form"))
        style = style if style in ("form", "spaceDelimited", "pipeDelimited", "deepObject") else "form"
        explode = entry.get("explode")
        types = str(entry.get("contentType") or "")
        encoding[str(name)] = PartEncoding(
            tuple(t for t in (base_media(t) for t in types.split(",")) if t),
            style,
            explode if isinstance(explode, bool) else style == "form",
        )
    return RequestMedia(base_media(kind), validator, shape_of(schema), encoding)


def reads_into(kind: str, schema: Any) -> bool:
    """Whether a body of media type `kind` reads into a value `schema` can judge: a body this module reads only as
    a string of bytes (XML, images...) cannot be judged by a schema of another type."""
    if kind in ("*/*", "application/*") or is_json(kind) or kind in (FORM, MULTIPART) or kind.startswith("text/"):
        return True
    return shape_of(schema).kind in (None, "string")


def choose(bodies: Mapping[str, RequestMedia], content_type: str | None) -> RequestMedia | None:
    """The documented media type a body sent with `content_type` falls under: the same type, else a documented
    `type/*`, else `*/*`; a JSON body also falls under any documented JSON type. None when none fits."""
    exact = bodies.get(content_type or OCTETS)
    if exact is not None:  # the usual request: sent just as documented, `application/json`
        return exact
    sent = base_media(content_type or OCTETS)
    wildcard = sent.partition("/")[0] + "/*"
    for wanted in (sent, wildcard, "*/*"):
        if wanted in bodies:
            return bodies[wanted]
    if is_json(sent):
        return next((m for k, m in bodies.items() if is_json(k)), None)
    return None


def chosen(bodies: Mapping[str, RequestMedia], content_type: str | None) -> RequestMedia:
    """`choose`, or the 415 that names the documented media types."""
    media = choose(bodies, content_type)
    if media is None:
        raise unsupported_media(content_type, documented(bodies))
    return media


def unsupported_media(content_type: str | None, accepted: str) -> ApiError:
    shown = f"Content-Type {content_type[:80]!r} is not accepted" if content_type else "Content-Type is missing"
    return ApiError(415, f"{shown}; send the body as {accepted}")


def base_media(kind: str) -> str:
    """A media type without its parameters, lower case: `application/json; charset=utf-8` → `application/json`."""
    return kind.partition(";")[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


def _parse_header(value: str) -> tuple[str, dict[str, str]]:
    kind, params = parse_options_header(value)
    return kind.decode("latin-1"), {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in params.items()}


def _text(raw: bytes, charset: str, where: str) -> str:
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise ApiError(400, f"{where}: charset {short(charset)} is not one this mock knows; send UTF-8") from None
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1]
        raise ApiError(400, f"{where}: is not valid {codec} text (byte {exc.start}: {bad!r})") from None


def _form_fields(raw: bytes, encoding: Mapping[str, PartEncoding]) -> dict[str, list[Any]]:
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
        name = _text(_unquoted(key), "utf-8", "body: a field's name")
        text = _text(_unquoted(data), "utf-8", name[:100] or "body")
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


def _multipart_fields(raw: bytes, boundary: str | None, media: RequestMedia) -> dict[str, list[Any]]:
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
        _, disposition = _parse_header(part.headers.get("content-disposition", ""))
        if "name" not in disposition:
            raise ApiError(400, f"body: part {number} has no name in a Content-Disposition: form-data header")
        name = disposition["name"].encode("latin-1").decode("utf-8", "replace")
        value = _part_value(name, part, "filename" in disposition, media.encoding.get(name), media.shape.member(name))
        fields.setdefault(name, []).append(value)
    return fields


def _part_value(name: str, part: _Part, is_file: bool, encoding: PartEncoding | None, shape: Shape) -> Any:
    """A part's value: parsed as JSON where its Content-Type (its own, else the encoding's, else OpenAPI's default:
    JSON for an object) says so, a string of its bytes for a file, else its text."""
    declared = part.headers.get("content-type")
    allowed = encoding.content_types if encoding else ()
    if declared:
        kind, params = _parse_header(declared)
    else:
        kind, params = (allowed[0] if len(allowed) == 1 else _default_part_type(shape)), {}
    if declared and allowed and not any(_within(kind, one) for one in allowed):
        raise ApiError(400, f"{name}: Content-Type {short(kind)} is not one the document gives ({', '.join(allowed)})")
    data = bytes(part.data)
    if is_json(kind):
        return _json_part(name, data, kind)
    if is_file or (kind and not kind.startswith("text/")):
        return data.decode("latin-1")  # a file: its bytes, one character each
    return _text(data, params.get("charset", "utf-8"), name)


def _default_part_type(shape: Shape) -> str:
    inner = shape.items if shape.kind == "array" and shape.items else shape
    return "application/json" if inner.kind == "object" else ""


def _within(kind: str, documented: str) -> bool:
    if documented in (kind, "*/*"):
        return True
    return documented.endswith("/*") and kind.startswith(documented[:-1])


def documented(kinds: Iterable[str]) -> str:
    """The documented media types, for a sentence: `application/json or multipart/form-data`."""
    listed = list(kinds)
    return ", ".join(listed[:-1]) + f" or {listed[-1]}" if len(listed) > 1 else "".join(listed)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
