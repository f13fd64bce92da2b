"""The document's schemas as JSON Schema, compiled by jsonschema-rs with `$ref`s resolved by its registry.

Nothing is inlined by hand. Each view of the document ("request" and "response") is translated once: OpenAPI 3.0
schema objects become JSON Schema draft 4, and both dialects get their view of `readOnly`/`writeOnly`, integer
`format` ranges and discriminators. Only schema positions are rewritten (a property *named* `nullable` keeps its
schema). The translated document is then one resource of a `jsonschema_rs.Registry`, and every validator is a
`$ref` into it, so recursive schemas are validated to every depth and OpenAPI 3.1's keywords beside a `$ref` apply.

What code walks (error texts, generation, collections) is the library's dereferenced copy of a schema, where a
reference back into itself stays a `$ref` that `Schemas.resolve` follows.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

import jsonschema_rs

from mockserver.spec.document import RefError, resolve

# A property marked readOnly is required only in responses, one marked writeOnly only in requests; a writeOnly one
# is never part of an answer.
NOT_REQUIRED_IN = {"request": "readOnly", "response": "writeOnly"}
VIEWS = ("request", "response")
# `format` ranges that a schema of type integer names (OpenAPI's data types).
INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# Keywords whose value is a schema, a list of schemas, or a mapping of names to schemas (schemathesis' keyword classes).
_IN_VALUE = (
    "not",
    "if",
    "then",
    "else",
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
    "items",
)
_IN_ITEM = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_IN_CHILD = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions", "dependencies")
# Keywords whose value must be of a kind, or the whole schema is unusable.
_SHAPED: dict[str, type | tuple[type, ...]] = {"required": list, "properties": dict, "enum": list, "type": (str, list)}
# OpenAPI objects whose values are examples or extensions, never schemas.
_NOT_OPENAPI = ("example", "examples", "default", "enum", "const")


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Formats OpenAPI 3.0 documents use that draft 7 does not know (2019-09 added them): checked as 2020-12 checks them.
LATER_FORMATS = {"uuid": lambda value: _UUID.fullmatch(value) is not None}


def draft_of(dialect: str) -> Any:
    """3.1: JSON Schema 2020-12. 3.0: draft 7, its boolean `exclusiveMinimum`/`Maximum` translated to numbers: draft 4
    would refuse 1.0 as an integer, which JSON, OpenAPI's own validators and every client take as one."""
    return jsonschema_rs.Draft202012Validator if dialect == "3.1" else jsonschema_rs.Draft7Validator


def translate(schema: Any, dialect: str, view: str | None) -> Any:
    """One schema object as the JSON Schema the mock validates for `view` ("request", "response" or None)."""
    if not isinstance(schema, dict):
        return schema
    if dialect == "3.0" and isinstance(schema.get("$ref"), str):
        # A `$ref` replaces its siblings, but for `nullable`: NSwag writes `{$ref, nullable: true}` for a nullable
        # object, and schemathesis, Prism and the generated clients all read it so.
        ref = {"$ref": schema["$ref"]}
        return {"anyOf": [ref, {"type": "null"}]} if schema.get("nullable") is True else ref
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _IN_CHILD and isinstance(value, dict):
            out[key] = {k: translate(v, dialect, view) for k, v in value.items()}
        elif key in _IN_ITEM and isinstance(value, list):
            out[key] = [translate(v, dialect, view) for v in value]
        elif key in _IN_VALUE and isinstance(value, dict):
            out[key] = translate(value, dialect, view)
        elif key in _SHAPED and not isinstance(value, _SHAPED[key]):
            continue  # a Swagger 2 `required: true` on a property, say: a keyword no validator can read is left out
        elif not (dialect == "3.0" and key == "nullable"):
            out[key] = value
    _for_view(out, view)
    _integer_range(out)
    if dialect == "3.0":
        _exclusive_bounds(out)
    _discriminated(out)
    if dialect == "3.0" and schema.get("nullable") is True:
        return _nullable(out)
    return out


def _for_view(schema: dict[str, Any], view: str | None) -> None:
    flag = NOT_REQUIRED_IN.get(view or "")
    props = schema.get("properties")
    if not flag or not isinstance(props, dict):
        return
    hidden = {n for n, p in props.items() if isinstance(p, dict) and p.get(flag) is True}
    if not hidden:
        return
    if view == "response":  # never sent back: not part of an answer at all
        schema["properties"] = {n: p for n, p in props.items() if n not in hidden}
    required = schema.get("required")
    if isinstance(required, list):
        kept = [n for n in required if n not in hidden]
        if kept:
            schema["required"] = kept
        else:
            del schema["required"]  # draft 4 wants a non-empty list


def _integer_range(schema: dict[str, Any]) -> None:
    """`format: int32`/`int64` on an integer: its range as bounds, intersected with the schema's own."""
    bounds = INTEGER_RANGES.get(schema.get("format"))  # type: ignore[arg-type]
    kind = schema.get("type")
    if bounds is None or not (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        return
    low, high = bounds
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if not isinstance(minimum, (int, float)) or isinstance(minimum, bool) or minimum < low:
        schema["minimum"] = low
        if schema.get("exclusiveMinimum") is True:
            del schema["exclusiveMinimum"]
    if not isinstance(maximum, (int, float)) or isinstance(maximum, bool) or maximum > high:
        schema["maximum"] = high
        if schema.get("exclusiveMaximum") is True:
            del schema["exclusiveMaximum"]


def _exclusive_bounds(schema: dict[str, Any]) -> None:
    """3.0's `exclusiveMinimum: true` beside `minimum: 5` as draft 7 says it: `exclusiveMinimum: 5`."""
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(flag) is True and isinstance(schema.get(bound), (int, float)):
            schema[flag] = schema.pop(bound)
        elif isinstance(schema.get(flag), bool):
            del schema[flag]


def _discriminated(schema: dict[str, Any]) -> None:
    """A `oneOf`/`anyOf` of references with a `discriminator` becomes an `anyOf` whose branches each pin the
    discriminating property where it is sent: what the discriminator means, and it keeps same-shaped branches from
    all matching. A branch that does not require the property itself takes a value without it, as plain `oneOf`
    would."""
    discriminator = schema.get("discriminator")
    prop = discriminator.get("propertyName") if isinstance(discriminator, dict) else None
    keyword = "oneOf" if "oneOf" in schema else "anyOf"
    members = schema.get(keyword)
    if not isinstance(prop, str) or not isinstance(members, list) or not members:
        return
    refs = [m.get("$ref") for m in members if isinstance(m, dict)]
    if len(refs) != len(members) or not all(isinstance(r, str) for r in refs):
        return  # inline members: nothing names them, so the plain oneOf stands
    assert isinstance(discriminator, dict)
    mapping: dict[str, str] = {str(k): v for k, v in (discriminator.get("mapping") or {}).items() if isinstance(v, str)}
    for ref in refs:  # members the mapping leaves out are named by their schema's name
        if ref not in mapping.values():
            mapping[str(ref).rsplit("/", 1)[-1]] = str(ref)
    del schema[keyword]
    schema["anyOf"] = [
        {"allOf": [{"properties": {prop: {"enum": [value]}}}, {"$ref": ref}]} for value, ref in mapping.items()
    ]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0's `nullable: true`: null is allowed too, but where an `enum` is given, only if it lists null
    (3.0.3's clarification, which schemathesis and the generated clients follow)."""
    if "type" in schema:
        kind = schema["type"]
        kinds = kind if isinstance(kind, list) else [kind]
        return {**schema, "type": [*kinds, "null"] if "null" not in kinds else kinds}
    if any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref", "enum")):  # drf-spectacular's `allOf: [$ref]`
        return {"anyOf": [{"type": "null"}, schema]}
    return schema


def translate_document(node: Any, dialect: str, view: str | None, in_components: bool = False) -> Any:
    """The whole OpenAPI document with every schema translated (components.schemas and each `schema` field)."""
    if isinstance(node, list):
        return [translate_document(v, dialect, view) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if in_components and key == "schemas" and isinstance(value, dict):
            out[key] = {name: translate(s, dialect, view) for name, s in value.items()}
        elif key == "schema" and isinstance(value, dict):
            out[key] = translate(value, dialect, view)
        elif key in _NOT_OPENAPI or str(key).startswith("x-"):
            out[key] = value
        else:
            out[key] = translate_document(value, dialect, view, key == "components")
    return out


def pointer(*parts: str | int) -> str:
    """A JSON pointer fragment: `#/paths/~1a~1b/post`."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Schemas:
    """One document's schemas, translated per view and held in a registry; validators and walkable copies by
    pointer. Built once at start-up."""

    def __init__(self, document: dict[str, Any], dialect: str, *, schema: bool = False) -> None:
        self.dialect = dialect
        self.draft = draft_of(dialect)
        registry_draft = jsonschema_rs.Draft202012 if dialect == "3.1" else jsonschema_rs.Draft7
        read = translate if schema else translate_document
        self.documents = {view: read(document, dialect, view) for view in VIEWS}
        self.uris = {view: f"urn:camelai-mock:{view}" for view in VIEWS}
        self.registries = {
            view: jsonschema_rs.Registry([(self.uris[view], self.documents[view])], draft=registry_draft)
            for view in VIEWS
        }
        self.resolve = {view: cache(lambda ref, view=view: self._resolve(ref, view)) for view in VIEWS}
        self.probed: dict[int, str | None] = {}  # a schema node's id -> why no value of it can be built (None: one can)
        # Compiled validators by the schema they check: operations whose answers or bodies name the same component
        # share one (Microsoft Graph's 11,422 operations, each compiling its own, grew past 11 GB).
        self._compiled: dict[tuple[str, str], Any] = {}

    @classmethod
    def of_schema(cls, schema: Any, dialect: str = "3.0") -> Schemas:
        """One self-contained schema as the whole document (pointer `#`)."""
        return cls(schema, dialect, schema=True)

    def compile(self, where: str, view: str) -> Any:
        """The compiled validator of the schema at pointer `where`, compiled once for every pointer that is only a
        `$ref` to the same schema; a ValueError when it is not usable."""
        target = self._target(where, view)
        compiled = self._compiled.get((target, view))
        if compiled is None:
            uri = target if target.startswith(self.uris[view]) else self._uri(target, view)
            try:
                compiled = self._compiled[(target, view)] = self._validator({"$ref": uri}, view)
            except (jsonschema_rs.ReferencingError, jsonschema_rs.ValidationError) as exc:
                raise ValueError(_reason(exc)) from None
        return compiled

    def _target(self, where: str, view: str) -> str:
        """The pointer a chain of bare `$ref`s from `where` ends at (a `$ref` with keywords beside it is its own
        schema, in 3.1); `where` itself when it is not one."""
        seen: set[str] = set()
        try:
            node = self._at(where, view)
            while isinstance(node, dict) and len(node) == 1 and isinstance(node.get("$ref"), str):
                if node["$ref"] in seen or not node["$ref"].startswith(("#", self.uris[view])):
                    break
                where = node["$ref"]
                seen.add(where)
                node = self._at(where, view)
        except RefError:
            pass  # compiling says what is wrong with it
        return where

    def walkable(self, where: str, view: str) -> Any:
        """The translated schema at `where`, as code walks it: the node itself (nothing copied or inlined), a
        `$ref` it is followed to what it points at. Inner `$ref`s stay, for `resolve` to follow when needed."""
        try:
            return self._followed(where, view)
        except RefError as exc:
            raise ValueError(str(exc)) from None

    def compile_fragment(self, fragment: Any, view: str) -> Any:
        """A validator for a piece of a walkable schema: its document-relative `$ref`s read against the document."""
        return self._validator(_absolute(fragment, self.uris[view]), view)

    def _validator(self, schema: Any, view: str) -> Any:
        formats = LATER_FORMATS if self.dialect == "3.0" else None
        return self.draft(schema, registry=self.registries[view], validate_formats=True, formats=formats)

    def _uri(self, where: str, view: str) -> str:
        """The document's URI with the pointer `where` as its fragment, percent-encoded: a `{id}` in a path, and a
        `#` (`/tags/{arn}#tagKeys`, AWS's way of telling operations on one path apart)."""
        return self.uris[view] + "#" + quote(where.removeprefix("#"), safe="/~!$&'()*+,;=:@%")

    def _followed(self, ref: str, view: str) -> Any:
        """What `ref` points at in the view's document, through a chain of `$ref`s."""
        seen: set[str] = set()
        node = self._at(ref, view)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            seen.add(node["$ref"])
            node = self._at(node["$ref"], view)
        return node

    def _at(self, ref: str, view: str) -> Any:
        if ref.startswith(self.uris[view]):
            ref = ref[len(self.uris[view]) :]
        return self.documents[view] if ref in ("", "#") else resolve(unquote(ref), self.documents[view])

    def _resolve(self, ref: str, view: str) -> Any:
        try:
            return self._followed(ref, view)
        except RefError:
            return {}


def _reason(exc: Exception) -> str:
    """A compile error in the document's terms: a pointer to nothing is a `$ref` that points at nothing."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    missing = re.match(r"Pointer '([^']*)' does not exist", text)
    return f"$ref {'#' + unquote(missing.group(1))!r} points at nothing" if missing else text


def _absolute(node: Any, uri: str) -> Any:
    """`node` with each document-relative `$ref` (`#/...`) made absolute (`uri#/...`)."""
    if isinstance(node, list):
        return [_absolute(v, uri) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _absolute(v, uri) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        out["$ref"] = uri + ref
    return out
