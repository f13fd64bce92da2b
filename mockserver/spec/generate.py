"""Values drawn from an (inlined) OpenAPI 3.0 schema by a seeded `random.Random`: the fuzz mode's source.

Hypothesis cannot be driven deterministically from a plain seed outside a test, so the server
draws its own: the same seed and the same sequence of calls give the same values. The draw leans
on edges a client must survive: the bounds, empty and very long strings, non-ASCII text, missing
optional fields and unknown extra ones. Keywords it cannot satisfy by construction (`not`,
`pattern`...) are met by redrawing until the compiled validator accepts the value.
"""

from __future__ import annotations

import random
from typing import Any

from mockserver.spec.validation import BodyValidator

TEXTS = ("", "a", "x" * 2048, "日本語のテキスト", "🐪 camel ✓", "Ünïcødé – “quoted” ‘text’", "line\nbreak\ttab", "0")
INTEGERS = (0, 1, -1, 2**31 - 1, -(2**31), 2**53, 900)
NUMBERS = (0.0, -0.5, 1e-9, 1.5e300, 3.14159)
MAX_ITEMS = 4
ATTEMPTS = 200


class GenerationError(ValueError):
    """No value satisfying the schema was found in `ATTEMPTS` draws."""


def generate(
    schema: dict[str, Any], rng: random.Random, validator: BodyValidator | None = None, edges: tuple[int, ...] = ()
) -> Any:
    """One value valid against `schema` (checked with `validator` when given); `edges` are integers to favour."""
    for _ in range(ATTEMPTS):
        value = _draw(schema, rng, edges)
        if validator is None or not validator.errors(value):
            return value
    raise GenerationError(f"no value satisfying {str(schema)[:120]} found in {ATTEMPTS} draws")


def _merge(schema: dict[str, Any]) -> dict[str, Any]:
    """Fold `allOf` members into one schema (properties and required united; enough for drawing)."""
    members = schema.get("allOf")
    if not members:
        return schema
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for member in members:
        member = _merge(member)
        for key, value in member.items():
            if key == "properties":
                out["properties"] = {**out.get("properties", {}), **value}
            elif key == "required":
                out["required"] = sorted({*out.get("required", []), *value})
            elif key not in ("description", "not"):
                out.setdefault(key, value)
    return out


def _draw(schema: Any, rng: random.Random, edges: tuple[int, ...]) -> Any:
    if not isinstance(schema, dict):
        return _scalar(rng)
    schema = _merge(schema)
    if schema.get("nullable") is True and rng.random() < 0.1:
        return None
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "object":
        return _object(schema, rng, edges)
    if kind == "array":
        low = schema.get("minItems", 0)
        high = max(low, schema.get("maxItems", low + MAX_ITEMS))
        return [_draw(schema.get("items", {}), rng, edges) for _ in range(rng.randint(low, min(high, low + MAX_ITEMS)))]
    if kind == "string":
        return _string(schema, rng)
    if kind == "integer":
        return _integer(schema, rng, edges)
    if kind == "number":
        return float(_integer(schema, rng, edges)) if rng.random() < 0.5 else _number(schema, rng)
    if kind == "boolean":
        return rng.random() < 0.5
    return _scalar(rng)


def _object(schema: dict[str, Any], rng: random.Random, edges: tuple[int, ...]) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out = {name: _draw(sub, rng, edges) for name, sub in properties.items() if name in required or rng.random() < 0.5}
    extra = schema.get("additionalProperties", True)
    if extra is not False and rng.random() < 0.25:
        name = rng.choice(("extra", "x_unknown_field", "ünïcødé"))
        if name not in properties:
            out[name] = _draw(extra, rng, edges) if isinstance(extra, dict) else _scalar(rng)
    return out


def _string(schema: dict[str, Any], rng: random.Random) -> str:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    text = rng.choice(TEXTS)
    if rng.random() < 0.3:
        text = rng.choice("aZ9_-é日") * rng.choice([n for n in (low, high) if n is not None] or [1])
    if len(text) < low:
        text += "x" * (low - len(text))
    return text[:high] if high is not None else text


def _integer(schema: dict[str, Any], rng: random.Random, edges: tuple[int, ...]) -> int:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and schema.get("exclusiveMinimum") is True:
        low += 1
    if high is not None and schema.get("exclusiveMaximum") is True:
        high -= 1
    own = [int(v) for v in (low, high, schema.get("default")) if isinstance(v, (int, float))]
    pool = [v for v in (*INTEGERS, *edges, *own) if (low is None or v >= low) and (high is None or v <= high)]
    if pool and rng.random() < 0.7:
        return rng.choice(pool)
    start = int(low) if low is not None else -(2**31)
    end = int(high) if high is not None else 2**31
    return rng.randint(start, max(start, end))


def _number(schema: dict[str, Any], rng: random.Random) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    pool = [v for v in NUMBERS if (low is None or v >= low) and (high is None or v <= high)]
    if pool and rng.random() < 0.5:
        return rng.choice(pool)
    return rng.uniform(low if low is not None else -1e6, high if high is not None else 1e6)


def integer_edges(schema: Any) -> tuple[int, ...]:
    """Every integer bound and default in `schema` (a request's ttl range, say), sorted."""
    found: set[int] = set()
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            found.update(int(schema[k]) for k in ("minimum", "maximum", "default") if isinstance(schema.get(k), int))
        for value in schema.values():
            found.update(integer_edges(value))
    elif isinstance(schema, list):
        for value in schema:
            found.update(integer_edges(value))
    return tuple(sorted(found))


def _scalar(rng: random.Random) -> Any:
    return rng.choice((None, True, 0, -1, "", "text", 1.5))
