"""Values drawn from an (inlined) OpenAPI 3.0 schema by a seeded `random.Random`: the fuzz mode's source.

Hypothesis cannot be driven deterministically from a plain seed outside a test, so the server
draws its own: the same seed and the same sequence of calls give the same values. The draw leans
on edges a client must survive: the bounds, empty and very long strings, non-ASCII text, missing
optional fields and unknown extra ones. Keywords it cannot satisfy by construction (`not`,
`pattern`...) are met by redrawing until the compiled validator accepts the value.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
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
            if key == "properties":  # a property two members describe gets both descriptions (a pinned enum...)
                props = dict(out.get("properties", {}))
                for name, sub in value.items():
                    props[name] = _merge({"allOf": [props[name], sub]}) if name in props else sub
                out["properties"] = props
            elif key == "required":
                out["required"] = sorted({*out.get("required", []), *value})
            elif key not in ("description", "not"):
                out.setdefault(key, value)
    return out


def _choose_branch(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A schema with `oneOf`/`anyOf` narrowed to one of its branches (the validator judges the result)."""
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            rest = {k: v for k, v in schema.items() if k != keyword}
            branch = rng.choice(branches)
            return {"allOf": [rest, branch]} if rest else branch if isinstance(branch, dict) else rest
    return schema


def _draw(schema: Any, rng: random.Random, edges: tuple[int, ...]) -> Any:
    if not isinstance(schema, dict):
        return _scalar(rng)
    schema = _merge(_choose_branch(schema, rng))
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


# Realistic answers: what a generic operation answers when nothing else was asked for.
_EPOCH_2000 = 946684800.0
# Identifiers are drawn from a wide range, so two answers seldom name the same resource (one deleted, say).
_ID_MAX = 2**31 - 1


def _identifier(name: str) -> bool:
    """`id`, `thread_id`, `sourceId`: a property that names a resource."""
    return name == "id" or name.endswith(("_id", "Id"))


def realistic(schema: dict[str, Any], rng: random.Random, now: float, validator: BodyValidator | None = None) -> Any:
    """A plausible value for `schema`: every documented property present (`writeOnly` ones left out), formats
    honoured (`date-time` on the mock's clock, `uri`, `email`, `uuid`), numbers inside their bounds. Falls back
    to the fuzzing draw where the schema asks for more than this can build."""
    for _ in range(3):
        value = _plausible(schema, rng, now, "value")
        if validator is None or not validator.errors(value):
            return value
    return generate(schema, rng, validator)


def _plausible(schema: Any, rng: random.Random, now: float, name: str) -> Any:
    if not isinstance(schema, dict):
        return None
    schema = _merge(_choose_branch(schema, rng))
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object":
        props: dict[str, Any] = schema.get("properties") or {}
        return {
            key: _plausible(sub, rng, now, key)
            for key, sub in props.items()
            if not (isinstance(sub, dict) and sub.get("writeOnly") is True)
        }
    if kind == "array":
        low = schema.get("minItems", 1)
        count = max(low, min(schema.get("maxItems", 2), 2))
        return [_plausible(schema.get("items", {}), rng, now, name) for _ in range(count)]
    if kind == "string":
        return _formatted(schema, rng, now, name)
    if kind in ("integer", "number"):
        low = schema.get("minimum", 1)
        high = schema.get("maximum", max(low, _ID_MAX if _identifier(name) else 1000))
        value = (
            rng.randint(
                int(low) + (1 if schema.get("exclusiveMinimum") is True else 0),
                int(high) - (1 if schema.get("exclusiveMaximum") is True else 0),
            )
            if high >= low + 2
            else low
        )
        return value if kind == "integer" else float(value)
    if kind == "boolean":
        return rng.random() < 0.5
    return None


def _formatted(schema: dict[str, Any], rng: random.Random, now: float, name: str) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":  # on the mock's clock: a moment of the last thirty days
        moment = max(now - rng.uniform(0, 30 * 86400), _EPOCH_2000)
        return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "date":
        return datetime.fromtimestamp(int(now), UTC).strftime("%Y-%m-%d")
    if fmt in ("uri", "url", "uri-reference"):
        return f"https://example.com/{name}/{rng.randint(1, 9999)}"
    if fmt == "email":
        return f"user{rng.randint(1, 9999)}@example.com"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "ipv4":
        return f"192.0.2.{rng.randint(1, 254)}"
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    # An identifier is digits, as it would be in a path that takes an integer too.
    text = str(rng.randint(1, _ID_MAX)).zfill(low) if _identifier(name) else f"{name} {rng.randint(1, 9999)}"
    if len(text) < low:
        text += "x" * (low - len(text))
    return text[:high] if high is not None else text
