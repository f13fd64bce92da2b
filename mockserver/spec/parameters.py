"""An operation's path, query, header and cookie parameters: compiled once, then read from the strings a request
carries and checked with the same field-naming sentences as bodies (`query.page: "x" is not of type "integer"`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.spec.shape import kind_of
from mockserver.spec.validation import BodyValidator

LOCATIONS = ("path", "query", "header", "cookie")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query, header or cookie
    required: bool
    validator: BodyValidator | None
    kind: str | None  # the schema's type: how a string is read (integer, number, boolean, array, ...)
    item_kind: str | None  # for arrays, the items' type
    explode: bool  # for a query array: repeated keys (true, the default) or one comma-separated value

    @property
    def field(self) -> str:
        return f"{self.location}.{self.name}"

    def read(self, raw: Sequence[str]) -> Any:
        """The value the schema means, from the request's string(s); a string that does not read as the schema's
        type stays a string, so that the validator names it."""
        if self.kind == "array":
            parts = list(raw) if self.location == "query" and self.explode else raw[0].split(",")
            return [_scalar(p, self.item_kind) for p in parts]
        return _scalar(raw[0], self.kind)


def _scalar(text: str, kind: str | None) -> Any:
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def compile_parameter(spec: dict[str, Any], validator: BodyValidator | None) -> Parameter:
    """`spec` is the inlined parameter object; `validator` its compiled schema (None when it has none)."""
    schema = _mapping(spec.get("schema"))
    kind = kind_of(schema)
    item_kind = kind_of(schema.get("items"))
    location = spec["in"]
    name = spec["name"].lower() if location == "header" else spec["name"]  # header names are case-insensitive
    required = bool(spec.get("required")) or location == "path"
    return Parameter(name, location, required, validator, kind, item_kind, bool(spec.get("explode", True)))


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
    for param in parameters:
        raw = _raw(param, path, query, headers, cookies)
        if raw is None:
            if param.required:
                problems.append(f"{param.field}: is required but missing")
            continue
        if param.validator is not None:
            problems.extend(param.validator.errors(param.read(raw), root=param.field))
    return problems


def _raw(
    param: Parameter,
    path: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    cookies: Mapping[str, str],
) -> list[str] | None:
    if param.location == "query":
        return query.get(param.name)
    source = {"path": path, "header": headers, "cookie": cookies}[param.location]
    value = source.get(param.name)
    return None if value is None else [value]
