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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.spec.coercion import UNKNOWN, Reading, coerce_object, pairs, reading_of, typed
from mockserver.spec.forms import PLAIN, Parsed, PartEncoding, decoded_text, form_fields, multipart_fields
from mockserver.spec.media_types import FORM, MULTIPART, OCTETS, base_media, is_json, listed, parse_header
from mockserver.spec.validation import BodyValidator

_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}


@dataclass(frozen=True)
class RequestMedia:
    """One media type of an operation's request body: what reads a body sent as it, and what judges the value."""

    kind: str  # as documented, lower case, without parameters: application/json, text/*, */*
    validator: BodyValidator | None  # None: a body of this media type is accepted unchecked
    shape: Reading = UNKNOWN
    encoding: Mapping[str, PartEncoding] = field(default_factory=dict)

    def decode(self, content_type: str | None, raw: bytes) -> Any:
        """The value `raw`, sent with `content_type` (which falls under this media type), stands for."""
        sent = self.kind if content_type == self.kind else base_media(content_type or OCTETS)  # usually the former
        if self.shape.kind == "string" and "*" in self.kind and not sent.startswith("text/"):
            return raw.decode("latin-1")  # `*/*` documented as binary: whatever was sent is its bytes
        if is_json(sent):  # any JSON value: the schema judges it (one with `properties` and no `type` takes null)
            return parse_json(raw)
        if sent == FORM:
            return self._fields(form_fields(raw, self.encoding))
        params = parse_header(content_type or OCTETS)[1]
        if sent == MULTIPART:
            return self._fields(multipart_fields(raw, params.get("boundary"), self.encoding, self.shape))
        if sent.startswith("text/"):
            return typed(decoded_text(raw, params.get("charset", "utf-8"), "body"), self.shape)
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
                    keys = {k: k[len(opening) : -1] for k in inner}
                    out[name] = {keys[k]: _field(v, shape.member(keys[k]), PLAIN) for k, v in inner.items()}
        for name, values in fields.items():
            if name not in taken:
                out[name] = _field(values, self.shape.member(name), self.encoding.get(name, PLAIN))
        for name in self.shape.required:  # an empty list has no field in a form: a required one was sent empty
            if name not in out and self.shape.member(name).kind == "array":
                out[name] = []
        return out


def _field(values: list[Any], shape: Reading, encoding: PartEncoding) -> Any:
    """One form field's value from its sent values, read by its property's shape and the encoding's style."""
    if shape.kind == "array":
        if len(values) == 1 and isinstance(values[0], Parsed) and isinstance(values[0].value, list):
            return values[0].value  # a JSON part holding the whole array
        if len(values) == 1 and isinstance(values[0], str) and not encoding.explode:
            values = values[0].split(_DELIMITERS.get(encoding.style, ",")) if values[0] else []
        return [v.value if isinstance(v, Parsed) else typed(v, shape.items or UNKNOWN) for v in values]
    if len(values) > 1:  # a field sent more than once is a list, whatever the schema wants: its validator says so
        return [v.value if isinstance(v, Parsed) else typed(v, shape) for v in values]
    first = values[0]
    if isinstance(first, Parsed):
        return first.value
    if shape.kind == "object":  # form, not exploded: role,admin,age,5
        fields = pairs(first.split(_DELIMITERS.get(encoding.style, ",")))
        return first if fields is None else coerce_object({k: [v] for k, v in fields.items()}, shape)
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
    read = reading_of(validator.schema, validator.resolve) if validator is not None else reading_of(schema)
    return RequestMedia(base_media(kind), validator, read, encoding)


def reads_into(kind: str, schema: Any) -> bool:
    """Whether a body of media type `kind` reads into a value `schema` can judge: a body this module reads only as
    a string of bytes (XML, images...) cannot be judged by a schema of another type."""
    if kind in ("*/*", "application/*") or is_json(kind) or kind in (FORM, MULTIPART) or kind.startswith("text/"):
        return True
    return reading_of(schema).kind in (None, "string")


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
        raise unsupported_media(content_type, listed(bodies))
    return media


def unsupported_media(content_type: str | None, accepted: str) -> ApiError:
    shown = f"Content-Type {content_type[:80]!r} is not accepted" if content_type else "Content-Type is missing"
    return ApiError(415, f"{shown}; send the body as {accepted}")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
