"""An operation's path, query, header and cookie parameters: compiled once, then read from the strings a request
carries and checked with the same field-naming sentences as bodies (`query.page: "x" is not of type "integer"`).

Each parameter is read in its documented `style` and `explode` (OpenAPI's "Style Values" table): path `simple`
(`3,4`), `label` (`.3.4`) and `matrix` (`;id=3;id=4`); query `form` (`id=3&id=4` or `id=3,4`), `spaceDelimited`,
`pipeDelimited` and `deepObject` (`id[role]=admin`); header `simple`; cookie `form`. Arrays and objects come apart
as their style says, and each part reads as its schema's type. A parameter documented by `content` instead of a
schema (`application/json`) is parsed as that media type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.spec.coercion import UNKNOWN, Reading, assignments, coerce, coerce_object, pairs, reading_of, typed
from mockserver.spec.validation import BodyValidator, short

LOCATIONS = ("path", "query", "header", "cookie")
DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
STYLES = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}
_SCALARS = frozenset({"string", "integer", "number", "boolean"})  # one value each: sent twice, it is no value
# The raw form of a query or cookie object sent as separate keys (form + explode, deepObject): key → its values.
Fields = dict[str, list[str]]


class Unreadable(ValueError):
    """A parameter's string that its style cannot take apart; the message names the field and the style."""


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query, header or cookie
    required: bool
    validator: BodyValidator | None
    shape: Reading = UNKNOWN  # how its string(s) read: the schema's type, its items' and properties'
    style: str = "simple"
    explode: bool = False
    media: str | None = None  # the media type of a parameter documented by `content` (its value is parsed as it)
    allow_empty: bool = False  # `allowEmptyValue`: a query key sent with no value is accepted as it is
    # A required object sent as keys of their own (form + explode) whose schema takes `{}`: absent is the same as empty
    absent_ok: bool = False

    @property
    def field(self) -> str:
        return f"{self.location}.{self.name}"

    @property
    def kind(self) -> str | None:
        """The schema's type (integer, string, array, ...); None when it says none."""
        return self.shape.kind

    @property
    def spread(self) -> bool:
        """Whether its value comes as keys of their own: an object in `form` + explode (`role=admin&age=5`) or
        `deepObject` (`id[role]=admin`)."""
        return self.shape.kind == "object" and self.media is None and (self.style == "deepObject" or self.explode)

    def read(self, raw: str | list[str] | Fields) -> Any:
        """The value the schema means, from the request's string(s); raises Unreadable for a string its style
        cannot take apart. A part that does not read as its type stays a string, so that the validator names it."""
        if isinstance(raw, dict):
            return coerce_object(raw, self.shape)
        if isinstance(raw, list) and len(raw) > 1 and self.shape.kind in _SCALARS and self.media is None:
            raise Unreadable(f"{self.field}: sent {len(raw)} times; the document takes one {self.shape.kind}")
        text = raw if isinstance(raw, str) else raw[0]
        if self.media is not None:
            return self._content(text)
        kind = self.shape.kind
        if self.location == "query" and kind == "array":
            return self._query_array(raw if isinstance(raw, list) else [raw])
        text = self._unprefixed(text)
        if kind == "array":
            return coerce(self._split(text), self.shape)
        if kind == "object":
            return self._object(text)
        return typed(text, self.shape)

    def readings(self, raw: str | list[str] | Fields) -> tuple[Any, ...]:
        """Every value the request's string(s) may mean: one, but for a delimited query array sent as `ids=`, both
        `[]` and `[""]` (an empty list is left out of the query by RFC 6570, which the styles follow, yet clients
        send it so)."""
        value = self.read(raw)
        if value == [] and raw == [""]:
            return value, coerce([""], self.shape)
        return (value,)

    def _content(self, text: str) -> Any:
        media = self.media or ""
        if not (media == "application/json" or media.endswith("+json")):
            return text
        try:
            return parse_json(text.encode("utf-8", "surrogatepass"))
        except ApiError as exc:
            raise Unreadable(f"{self.field}: {exc.message.removeprefix('body: ')} (documented as {media})") from None

    def _query_array(self, values: list[str]) -> Any:
        if not self.explode:  # id=3,4,5 (or spaces, pipes): each key sent holds a delimited list
            delimiter = _DELIMITERS.get(self.style, ",")
            values = [part for value in values if value for part in value.split(delimiter)]  # `ids=` is []
        return coerce(values, self.shape)

    def _unprefixed(self, text: str) -> str:
        """`text` without its style's prefix: label `.`, matrix `;name=` (a query or cookie value has none)."""
        if self.style == "label":
            if not text.startswith("."):
                raise self._unreadable(text, ".value")
            return text[1:]
        if self.style == "matrix" and not (self.shape.kind == "object" and self.explode):
            prefix = f";{self.name}"
            if text == prefix:  # ;id is an empty value
                return ""
            if not text.startswith(prefix + "="):
                raise self._unreadable(text, f";{self.name}=value")
            text = text[len(prefix) + 1 :]
            if self.shape.kind == "array" and self.explode:  # ;id=3;id=4 → 3,4
                text = text.replace(f";{self.name}=", ",")
        return text

    def _split(self, text: str) -> list[str]:
        if not text:
            return []  # an empty array is sent as nothing after its prefix
        if self.style == "label" and self.explode:
            return text.split(".")
        parts = text.split(_DELIMITERS.get(self.style, ","))
        return [p.strip() for p in parts] if self.location == "header" else parts  # a header list reads `3, 4`

    def _object(self, text: str) -> Any:
        if self.style == "matrix" and self.explode:  # ;role=admin;age=5
            if not text.startswith(";"):
                raise self._unreadable(text, ";name=value;name=value")
            fields = assignments(text[1:].split(";"))
        elif self.explode:  # simple role=admin,age=5; label .role=admin.age=5
            fields = assignments(text.split("." if self.style == "label" else ","))
        else:  # role,admin,age,5 (spaces or pipes in a delimited query style)
            fields = pairs(text.split(_DELIMITERS.get(self.style, ",")))
        if fields is None:
            return text  # not an object: the validator says what was wanted
        return coerce_object({name: [value] for name, value in fields.items()}, self.shape)

    def _unreadable(self, text: str, form: str) -> Unreadable:
        return Unreadable(f"{self.field}: {short(text)} is not in {self.style} style; send it as {form}")


def parameter_schema(spec: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    """A parameter object's schema and where it sits in it: `schema`, or the one media type's of its `content`."""
    if "schema" in spec:
        return spec["schema"], ("schema",)
    for media, body in _mapping(spec.get("content")).items():
        return _mapping(body).get("schema"), ("content", media, "schema")
    return None, ()


def compile_parameter(spec: dict[str, Any], validator: BodyValidator | None) -> Parameter:
    """`spec` is the inlined parameter object; `validator` its compiled schema (None when it has none)."""
    location = spec["in"]
    name = spec["name"].lower() if location == "header" else spec["name"]  # header names are case-insensitive
    required = bool(spec.get("required")) or location == "path"
    style = spec.get("style")
    if style not in STYLES[location]:
        style = DEFAULT_STYLES[location]  # an unknown style reads as the location's default
    explode = spec.get("explode")
    content = _mapping(spec.get("content")) if "schema" not in spec else {}
    media = str(next(iter(content))).partition(";")[0].strip().lower() if content else None
    param = Parameter(
        name,
        location,
        required,
        validator,
        reading_of(parameter_schema(spec)[0], validator.resolve if validator is not None else None),
        style,
        explode if isinstance(explode, bool) else style == "form",
        media,
        location == "query" and spec.get("allowEmptyValue") is True,
    )
    if required and param.spread and style == "form" and not (validator and validator.errors({}, root=param.field)):
        param = replace(param, absent_ok=True)
    return param


def holds_object_array(reading: Reading, depth: int = 8) -> bool:
    """Whether the value holds an array of objects, at any depth: OpenAPI gives no way to write one outside a body."""
    if depth <= 0:
        return False
    if reading.kind == "array":
        items = reading.items
        return items is not None and (items.kind == "object" or holds_object_array(items, depth - 1))
    inner = [*reading.properties.values(), *([reading.others] if reading.others is not None else [])]
    return any(holds_object_array(r, depth - 1) for r in inner)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def check_parameters(
    parameters: Sequence[Parameter],
    path: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> list[str]:
    """Every rule the request's parameters break, one sentence each."""
    problems: list[str] = []
    for param, reading in _readings(parameters, path, query, headers, cookies):
        if isinstance(reading, Unreadable):
            problems.append(str(reading))
        elif reading is None:
            problems.append(f"{param.field}: is required but missing")
        elif param.validator is not None:
            found = [param.validator.errors(value, root=param.field) for value in reading]
            problems.extend(next((f for f in found if not f), found[0]))
    return problems


def parameter_breaches(
    parameters: Sequence[Parameter],
    path: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> set[tuple[str, str]]:
    """What `check_parameters` finds, as (field, rule) pairs: `("query.page", "minimum")`, `("header.x", "style")`."""
    found: set[tuple[str, str]] = set()
    for param, reading in _readings(parameters, path, query, headers, cookies):
        if isinstance(reading, Unreadable):
            found.add((param.field, "style"))
        elif reading is None:
            found.add((param.field, "required"))
        elif param.validator is not None:
            broken = [param.validator.breaches(value, root=param.field) for value in reading]
            found |= next((b for b in broken if not b), broken[0])
    return found


def _readings(
    parameters: Sequence[Parameter],
    path: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> Iterator[tuple[Parameter, tuple[Any, ...] | Unreadable | None]]:
    """Each parameter there is something to check of: the values it may mean, why it cannot be read, or None for a
    required one missing. The one walk `check_parameters` and `parameter_breaches` both read."""
    for param in parameters:
        raw = _raw(param, parameters, path, query, headers, cookies)
        if raw is None:
            if param.required and not param.absent_ok:
                yield param, None
            continue
        if (param.allow_empty and raw == [""]) or (param.validator is None and param.media is None):
            continue
        try:
            yield param, param.readings(raw)
        except Unreadable as exc:
            yield param, exc


def _raw(
    param: Parameter,
    parameters: Sequence[Parameter],
    path: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> str | list[str] | Fields | None:
    if param.spread and param.location in ("query", "cookie"):
        return _spread(param, parameters, query if param.location == "query" else {k: [v] for k, v in cookies.items()})
    if param.location == "query":
        return query.get(param.name)
    source = {"path": path, "header": headers, "cookie": cookies}[param.location]
    return source.get(param.name)


def _spread(param: Parameter, parameters: Sequence[Parameter], keys: Mapping[str, list[str]]) -> Fields | None:
    """An object sent as keys of its own: `id[role]=admin` (deepObject), or its properties as keys (form +
    explode): those the schema names, and, where it plainly takes others, every key no other parameter claims."""
    if param.style == "deepObject":
        opening = param.name + "["
        found = {k[len(opening) : -1]: v for k, v in keys.items() if k.startswith(opening) and k.endswith("]")}
    else:
        found = {k: v for k, v in keys.items() if k in param.shape.properties}
        if param.shape.others is not None:
            others = {p.name for p in parameters if p.location == param.location and p is not param}
            found.update((k, v) for k, v in keys.items() if k not in found and k not in others)
    return found or None
