"""How a string from a request (a parameter, a form field, a text body) reads as the value its schema means.

Parameters and form fields arrive as text; their schemas speak of integers, booleans, arrays and objects. A `Reading`
is what of a schema that reading needs (its type, its items' and properties' shapes), taken once at start-up. A
string that does not read as its type stays a string, so that the validator names it with its rule
(`query.page: "x" is not of type "integer"`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.spec.shape import kind_of

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")  # float() alone also reads "1_000" and " 5"
_DEPTH = 8  # levels of items and properties a shape follows: request strings nest one or two


@dataclass(frozen=True)
class Reading:
    kind: str | None  # integer, number, boolean, string, array, object; None when the schema does not say one
    items: Reading | None = None  # for an array
    properties: Mapping[str, Reading] = field(default_factory=dict)  # for an object
    # For an object, the shape of the properties it does not name, when it plainly takes others: a free-form
    # object, or one whose `additionalProperties` is a schema or true. None: only its named properties.
    others: Reading | None = None

    def member(self, name: str) -> Reading:
        """The shape of property `name` (unknown when the schema does not say)."""
        return self.properties.get(name) or self.others or UNKNOWN


UNKNOWN = Reading(None)


def reading_of(schema: Any, depth: int = _DEPTH) -> Reading:
    """`schema`'s shape. A `$ref` (left only where a schema recurses) or a schema of several types is unknown."""
    if not isinstance(schema, dict) or depth <= 0:
        return UNKNOWN
    kind = kind_of(schema)
    if kind == "array":
        return Reading(kind, items=reading_of(schema.get("items"), depth - 1))
    if kind == "object":
        props: dict[str, Reading] = {}
        for source in (schema, *(m for m in schema.get("allOf") or () if isinstance(m, dict))):
            for name, sub in _mapping(source.get("properties")).items():
                props.setdefault(name, reading_of(sub, depth - 1))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            others: Reading | None = reading_of(extra, depth - 1)
        else:
            others = UNKNOWN if extra is True or (not props and extra is None) else None
        return Reading(kind, properties=props, others=others)
    return Reading(kind)


def scalar(text: str, kind: str | None) -> Any:
    """`text` as a value of `kind` when it reads as one, else `text` itself."""
    if kind in ("integer", "number") and _INTEGER.fullmatch(text):
        try:
            return int(text)  # 5 stays 5, not 5.0, for a number too: an echo reads it as sent
        except ValueError:  # past Python's 4,300 digits for a conversion: the validator names it as text
            return text
    if kind == "number" and _NUMBER.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def coerce(values: list[str], shape: Reading) -> Any:
    """The value of one field sent as `values` (a repeated form key or query key gives several)."""
    if shape.kind == "array":
        return [scalar(v, shape.items.kind if shape.items else None) for v in values]
    return scalar(values[0], shape.kind)


def pairs(parts: list[str]) -> dict[str, str] | None:
    """`["role", "admin", "age", "5"]` → `{"role": "admin", "age": "5"}`; None for an odd count."""
    if len(parts) % 2:
        return None
    return dict(zip(parts[::2], parts[1::2], strict=True))


def assignments(parts: list[str]) -> dict[str, str] | None:
    """`["role=admin", "age=5"]` → `{"role": "admin", "age": "5"}`; None when one has no `=`."""
    out: dict[str, str] = {}
    for part in parts:
        name, equals, value = part.partition("=")
        if not equals:
            return None
        out[name] = value
    return out


def coerce_object(fields: Mapping[str, list[str]], shape: Reading) -> dict[str, Any]:
    """An object's fields, each read by its property's shape."""
    return {name: coerce(values, shape.member(name)) for name, values in fields.items()}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
