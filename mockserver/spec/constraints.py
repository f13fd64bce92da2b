"""A schema folded into one `Constraints` for building values: `$ref`s followed, `allOf` merged, bounds intersected.

JSON Schema as the mock validates it comes in two dialects: draft 4 (OpenAPI 3.0, already translated: boolean
`exclusiveMinimum`, `items` as a list) and 2020-12 (OpenAPI 3.1: numeric `exclusiveMinimum`, `prefixItems`, `const`,
`$ref` with siblings that apply too). Both fold into the same shape. Only what a value must meet is kept; a choice
(`oneOf`/`anyOf`) stays a choice for the builder, and the schemas below a property or an item stay unmerged until
a value is built there, so recursive schemas cost nothing here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

Resolve = Callable[[str], Any]


class GenerationError(ValueError):
    """No value meets the schema; the message says which rule could not be met."""


class Hopeless(GenerationError):
    """No other try would do better: the schema asks for more than the mock builds, or cannot be read."""


@dataclass
class Constraints:
    """Everything a value must meet, from every schema that applies to it (None: no such rule)."""

    types: frozenset[str] | None = None
    enum: list[Any] | None = None
    never: str | None = None  # why nothing can meet this shape
    # numbers
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    minimum_open: bool = False
    maximum_open: bool = False
    multiple_of: Fraction | None = None
    # strings
    min_length: int = 0
    max_length: int | None = None
    patterns: list[str] = field(default_factory=list)
    format: str | None = None
    # arrays: each slot a list of schemas that all apply
    items: list[Any] = field(default_factory=list)
    items_allowed: bool = True  # `items: false` (2020-12) or `additionalItems: false` past the prefix
    prefix: list[list[Any]] = field(default_factory=list)
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    contains: list[Any] = field(default_factory=list)
    min_contains: int = 1
    # objects
    properties: dict[str, list[Any]] = field(default_factory=dict)
    required: dict[str, None] = field(default_factory=dict)  # ordered set
    # one entry per schema object that limits names: (its property names, its patterns, its additionalProperties)
    closed: list[tuple[frozenset[str], tuple[str, ...], Any]] = field(default_factory=list)
    pattern_properties: dict[str, list[Any]] = field(default_factory=dict)
    property_names: list[Any] = field(default_factory=list)
    min_properties: int = 0
    max_properties: int | None = None
    dependent_required: dict[str, list[str]] = field(default_factory=dict)
    # what stays for the builder
    choices: list[tuple[str, list[Any]]] = field(default_factory=list)
    nots: list[Any] = field(default_factory=list)
    default: list[Any] = field(default_factory=list)  # empty or [the first default]
    write_only: bool = False

    def without_first_choice(self) -> Constraints:
        """A copy whose containers the builder may extend, minus the first choice (the builder is taking it)."""
        return replace(
            self,
            enum=None if self.enum is None else list(self.enum),
            patterns=list(self.patterns),
            items=list(self.items),
            prefix=[list(p) for p in self.prefix],
            contains=list(self.contains),
            properties={k: list(v) for k, v in self.properties.items()},
            required=dict(self.required),
            closed=list(self.closed),
            pattern_properties={k: list(v) for k, v in self.pattern_properties.items()},
            property_names=list(self.property_names),
            dependent_required={k: list(v) for k, v in self.dependent_required.items()},
            choices=self.choices[1:],
            nots=list(self.nots),
            default=list(self.default),
        )

    def add(self, schema: Any, resolve: Resolve | None, seen: frozenset[str] = frozenset()) -> None:
        """Fold `schema` in: its `$ref` target, `allOf` members and `if`/`then` too. `seen` stops a ref cycle."""
        if schema is True or schema is None:
            return
        if schema is False:
            self.never = "the schema is `false`: no value is allowed"
            return
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            self.add(follow(ref, resolve), resolve, seen | {ref})
        for member in schema.get("allOf") or ():
            self.add(member, resolve, seen)
        if "if" in schema and ("then" in schema or "else" in schema):  # meet `if` (and `then`): `else` never applies
            self.add(schema["if"], resolve, seen)
            self.add(schema.get("then"), resolve, seen)
        self._own(schema)

    def _own(self, s: dict[str, Any]) -> None:
        kind = s.get("type")
        if isinstance(kind, str | list):
            named = {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}
            if "number" in named:
                named.add("integer")
            self.types = frozenset(named) if self.types is None else _meet_types(self.types, named)
            if not self.types:
                self.never = f"no type is both {sorted(named)} and what the other schemas allow"
        if "const" in s:
            self._enum([s["const"]])
        if isinstance(s.get("enum"), list):
            self._enum(s["enum"])
        self._numbers(s)
        self._strings(s)
        self._arrays(s)
        self._objects(s)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(s.get(keyword), list) and s[keyword]:
                self.choices.append((keyword, s[keyword]))
        if "not" in s:
            self.nots.append(s["not"])
        if "default" in s and not self.default:
            self.default.append(s["default"])
        if s.get("writeOnly") is True:
            self.write_only = True

    def _enum(self, values: list[Any]) -> None:
        if self.enum is None:
            self.enum = list(values)
        else:
            self.enum = [v for v in self.enum if any(same(v, w) for w in values)]
        if not self.enum:
            self.never = "no value is in every `enum` that applies"

    def _numbers(self, s: dict[str, Any]) -> None:
        low, high = _number(s.get("minimum")), _number(s.get("maximum"))
        low_open, high_open = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        if low is not None:
            self._low(low, low_open is True)  # draft 4: a boolean beside `minimum`
        if high is not None:
            self._high(high, high_open is True)
        low_bound, high_bound = _number(low_open), _number(high_open)
        if low_bound is not None:  # 2020-12: the bound itself
            self._low(low_bound, True)
        if high_bound is not None:
            self._high(high_bound, True)
        step = _number(s.get("multipleOf"))
        if step is not None and step > 0:
            self.multiple_of = step if self.multiple_of is None else _lcm(self.multiple_of, step)

    def _low(self, value: Fraction, open_: bool) -> None:
        if self.minimum is None or value > self.minimum or (value == self.minimum and open_):
            self.minimum, self.minimum_open = value, open_

    def _high(self, value: Fraction, open_: bool) -> None:
        if self.maximum is None or value < self.maximum or (value == self.maximum and open_):
            self.maximum, self.maximum_open = value, open_

    def _strings(self, s: dict[str, Any]) -> None:
        if isinstance(s.get("minLength"), int):
            self.min_length = max(self.min_length, s["minLength"])
        if isinstance(s.get("maxLength"), int):
            self.max_length = s["maxLength"] if self.max_length is None else min(self.max_length, s["maxLength"])
        if isinstance(s.get("pattern"), str):
            self.patterns.append(s["pattern"])
        if isinstance(s.get("format"), str) and self.format is None:
            self.format = s["format"]

    def _arrays(self, s: dict[str, Any]) -> None:
        items = s.get("items")
        prefix = s.get("prefixItems")
        if isinstance(items, list):  # draft 4's tuple form; `additionalItems` is the rest
            prefix, items = items, s.get("additionalItems")
        if isinstance(prefix, list):
            for i, sub in enumerate(prefix):
                if i < len(self.prefix):
                    self.prefix[i].append(sub)
                else:
                    self.prefix.append([sub])
        if items is False:
            self.items_allowed = False
        elif items is not None:
            self.items.append(items)
        if isinstance(s.get("minItems"), int):
            self.min_items = max(self.min_items, s["minItems"])
        if isinstance(s.get("maxItems"), int):
            self.max_items = s["maxItems"] if self.max_items is None else min(self.max_items, s["maxItems"])
        if s.get("uniqueItems") is True:
            self.unique = True
        if "contains" in s:
            self.contains.append(s["contains"])
        if isinstance(s.get("minContains"), int):
            self.min_contains = max(self.min_contains, s["minContains"]) if self.contains else s["minContains"]

    def _objects(self, s: dict[str, Any]) -> None:
        own: dict[str, Any] = s["properties"] if isinstance(s.get("properties"), dict) else {}
        for name, sub in own.items():
            self.properties.setdefault(name, []).append(sub)
        patterns: dict[str, Any] = s["patternProperties"] if isinstance(s.get("patternProperties"), dict) else {}
        for pattern, sub in patterns.items():
            self.pattern_properties.setdefault(pattern, []).append(sub)
        for name in s["required"] if isinstance(s.get("required"), list) else ():
            if isinstance(name, str):
                self.required[name] = None
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if keyword in s and s[keyword] is not True:
                # `unevaluatedProperties` sees every sibling's names; closing on this object's own is the safe side
                self.closed.append((frozenset(own), tuple(patterns), s[keyword]))
        if "propertyNames" in s:
            self.property_names.append(s["propertyNames"])
        if isinstance(s.get("minProperties"), int):
            self.min_properties = max(self.min_properties, s["minProperties"])
        if isinstance(s.get("maxProperties"), int):
            high = s["maxProperties"]
            self.max_properties = high if self.max_properties is None else min(self.max_properties, high)
        for keyword in ("dependentRequired", "dependencies"):
            for name, needs in (s.get(keyword) or {}).items():
                if isinstance(needs, list):
                    self.dependent_required.setdefault(name, []).extend(needs)


def fold(schemas: list[Any], resolve: Resolve | None) -> Constraints:
    """One shape meeting every schema of `schemas`. The caller must not change it: the shape of one schema object
    is folded once and kept (the document's schemas live as long as the mock)."""
    one = schemas[0] if len(schemas) == 1 and isinstance(schemas[0], dict) else None
    if one is not None:
        hit = _FOLDED.get(id(one))
        if hit is not None and hit[0] is one and hit[1] == resolve:
            return hit[2]
    shape = Constraints()
    for schema in schemas:
        shape.add(schema, resolve)
    if one is not None:
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        _FOLDED[id(one)] = (one, resolve, shape)  # the schema kept too, so that its id is not reused
    return shape


_FOLDED: dict[int, tuple[Any, Resolve | None, Constraints]] = {}
_FOLDED_MAX = 8192


def follow(ref: str, resolve: Resolve | None) -> Any:
    """The schema `ref` points at; `{}` without a resolver."""
    if resolve is None:
        return {}
    try:
        return resolve(ref)
    except (LookupError, ValueError) as error:
        raise GenerationError(f"$ref {ref!r} cannot be followed: {error}") from None


def same(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, but `true` is not 1."""
    return bool(key(a) == key(b))


def key(value: Any) -> Any:
    """A hashable stand-in for a JSON value with JSON's equality."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, list):
        return ("array", tuple(key(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, key(v)) for k, v in value.items())))
    return ("other", repr(value))


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string" if isinstance(value, str) else "array" if isinstance(value, list) else "object"


def _meet_types(have: frozenset[str], named: set[str]) -> frozenset[str]:
    return frozenset(t for t in have if t in named)


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    # Through the decimal text, so that 0.1 is one tenth, as the document's author meant.
    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


def _lcm(a: Fraction, b: Fraction) -> Fraction:
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))
