"""An object schema's shape: its properties, required names and defaults, flattened through `allOf`.

The one place these facts are computed. The create's rules, items, generation, strategies and the token's claims
all read a `Shape`, so one `allOf` body gives every part the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    properties: dict[str, dict[str, Any]]  # name -> its schema; a property several members describe gets them all
    required: frozenset[str]
    defaults: dict[str, Any]  # name -> its documented `default`
    lists: frozenset[str]  # properties whose schema is an array
    exclusive: tuple[tuple[str, ...], ...] = ()  # names sent together that the schema refuses (`not: {required}`)

    @property
    def names(self) -> frozenset[str] | None:
        """The declared property names; None when the schema lists none (any name goes)."""
        return frozenset(self.properties) or None


EMPTY = Shape({}, frozenset(), {}, frozenset())


Resolve = Callable[[str], Any]


@dataclass(frozen=True)
class Defaults:
    """What a body gets for the fields it leaves out, as the vendor's serializers apply them: for a choice of shapes
    (`anyOf`/`oneOf`, a discriminator's branches), the defaults of the first branch whose enum-pinned fields the body
    matches, else the schema's own. Worked out once per operation (`defaults_of`)."""

    branches: tuple[tuple[tuple[tuple[str, list[Any]], ...], dict[str, Any]], ...] = ()  # (pins, defaults) each
    own: dict[str, Any] = field(default_factory=dict)

    def applied(self, body: Mapping[str, Any]) -> dict[str, Any]:
        for pinned, defaults in self.branches:
            if all(body.get(name) in allowed for name, allowed in pinned):
                return {**defaults, **body}
        return {**self.own, **body}


def defaults_of(schema: Any, resolve: Resolve | None = None) -> Defaults:
    if not isinstance(schema, dict) or not schema:
        return Defaults()
    branches = []
    for keyword in ("anyOf", "oneOf"):
        for branch in schema.get(keyword) or ():
            shape = shape_of(branch, resolve)
            pinned = tuple((n, p["enum"]) for n, p in shape.properties.items() if isinstance(p.get("enum"), list))
            if pinned:
                branches.append((pinned, shape.defaults))
    return Defaults(tuple(branches), shape_of(schema, resolve).defaults)


def deref(schema: Any, resolve: Resolve | None) -> Any:
    """`schema`, or what its `$ref` points at (followed through a chain); `resolve` is the contract's for the view."""
    seen: set[str] = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and resolve and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        schema = resolve(schema["$ref"])
    return schema


def shape_of(schema: Any, resolve: Resolve | None = None) -> Shape:
    """The shape of a (walkable) object schema: its own properties and those of its `allOf` members, at any depth,
    references followed; where two describe one property, the later's keywords win (each property's schema is
    itself followed to what its `$ref` points at)."""
    properties: dict[str, dict[str, Any]] = {}
    required: set[str] = set()
    exclusive: list[tuple[str, ...]] = []
    _collect(deref(schema, resolve), properties, required, exclusive, resolve)
    defaults = {name: prop["default"] for name, prop in properties.items() if "default" in prop}
    lists = frozenset(name for name, prop in properties.items() if _is_array(prop))
    return Shape(properties, frozenset(required), defaults, lists, tuple(exclusive))


def _collect(
    schema: Any,
    properties: dict[str, dict[str, Any]],
    required: set[str],
    exclusive: list[tuple[str, ...]],
    resolve: Resolve | None,
) -> None:
    if not isinstance(schema, dict):
        return
    for member in schema.get("allOf") or ():
        _collect(deref(member, resolve), properties, required, exclusive, resolve)
    names = (schema.get("not") or {}).get("required") if isinstance(schema.get("not"), dict) else None
    if isinstance(names, list) and len(names) > 1:
        exclusive.append(tuple(map(str, names)))
    for name, prop in (schema.get("properties") or {}).items():
        prop = deref(prop, resolve)
        if isinstance(prop, dict):
            properties[name] = {**properties.get(name, {}), **prop}
    required.update(n for n in schema.get("required") or () if isinstance(n, str))


def _is_array(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def allows_null(schema: Any) -> bool:
    """The (translated) schema takes null: a `null` type, or a choice with a null branch (3.0's `nullable`)."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(allows_null(branch) for branch in schema.get("anyOf") or ())


def kind_of(schema: Any, resolve: Resolve | None = None) -> str | None:
    """The one non-null type a (translated) schema names, for reading a string as it (a parameter, a form field):
    its `type`, the one its `allOf` members agree on, the non-null branch of 3.0's `nullable`, or what its keywords
    imply (`properties`: an object, `items`: an array). None when it names several or none."""
    schema = deref(schema, resolve)
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, list):  # ["integer", "null"] reads as an integer
        kinds = [k for k in declared if k != "null"]
        declared = kinds[0] if len(kinds) == 1 else None
    if isinstance(declared, str):
        return declared if declared in _TYPES else None
    for keyword in ("allOf", "anyOf"):
        known = {kind_of(m, resolve) for m in schema.get(keyword) or ()} - {None, "null"}
        if len(known) == 1 and (keyword == "allOf" or allows_null(schema)):
            return known.pop()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


_TYPES = ("integer", "number", "boolean", "string", "array", "object")


def merged(schema: Any, resolve: Resolve | None = None) -> dict[str, Any]:
    """A (walkable) schema's keywords with those of its `allOf` members at any depth, references followed; where
    two give one keyword the later's wins (`properties` and `required` are read whole from `shape_of`). What a
    schema says about one value, for code that compares two schemas keyword by keyword (`mockserver diff`)."""
    out: dict[str, Any] = {}
    _merge(deref(schema, resolve), out, resolve, set())
    out.pop("allOf", None)
    return out


def _merge(schema: Any, out: dict[str, Any], resolve: Resolve | None, seen: set[int]) -> None:
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    for member in schema.get("allOf") or ():
        _merge(deref(member, resolve), out, resolve, seen)
    out.update((k, v) for k, v in schema.items() if k != "allOf")
