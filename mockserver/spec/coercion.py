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

from mockserver.spec.shape import Resolve, allows_null, deref, kind_of, merged, shape_of

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
    nullable: bool = False  # `nullable: true` (3.0) or a `null` among its types (3.1): the text `null` is null
    required: frozenset[str] = frozenset()  # for an object, the properties it requires

    def member(self, name: str) -> Reading:
        """The shape of property `name` (unknown when the schema does not say)."""
        return self.properties.get(name) or self.others or UNKNOWN


UNKNOWN = Reading(None)


def reading_of(schema: Any, resolve: Resolve | None = None, depth: int = _DEPTH) -> Reading:
    """`schema`'s reading, its references followed through `resolve`; a schema of several types is unknown."""
    schema = deref(schema, resolve)
    if not isinstance(schema, dict) or depth <= 0:
        return UNKNOWN
    kind = kind_of(schema, resolve)
    nullable = allows_null(schema)
    if kind == "array":
        items = merged(schema, resolve).get("items")  # its own, or an `allOf` member's (AWS: `allOf: [{$ref: Ids}]`)
        return Reading(kind, items=reading_of(items, resolve, depth - 1), nullable=nullable)
    if kind == "object":
        shape = shape_of(schema, resolve)
        props = {name: reading_of(sub, resolve, depth - 1) for name, sub in shape.properties.items()}
        extra = deref(schema.get("additionalProperties"), resolve)
        if isinstance(extra, dict):
            others: Reading | None = reading_of(extra, resolve, depth - 1)
        else:
            others = UNKNOWN if extra is True or (not props and extra is None) else None
        return Reading(kind, properties=props, others=others, nullable=nullable, required=shape.required)
    return Reading(kind, nullable=nullable)


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


def typed(text: str, shape: Reading) -> Any:
    """`text` as a value of `shape`'s type (`null` as null where the schema allows it), else `text` itself."""
    if shape.nullable and text == "null":
        return None
    return scalar(text, shape.kind)


def coerce(values: list[str], shape: Reading) -> Any:
    """The value of one field sent as `values` (a repeated form key or query key gives several)."""
    if shape.kind == "array":
        return [typed(v, shape.items or UNKNOWN) for v in values]
    return typed(values[0], shape)


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
