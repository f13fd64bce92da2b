"""Values built from a schema by a seeded `random.Random`: fuzz draws that lean on edges, and realistic answers.

Values are constructed to meet the schema, not drawn and re-checked: `spec/constraints.py` folds `$ref`s and `allOf`
into one shape, and each rule is met as the value is built (bounds and `multipleOf` by arithmetic, a `pattern`
through rstr in `spec/texts.py`, `uniqueItems` by drawing distinct items, a `oneOf` branch checked against its
siblings). The same seed and the same sequence of calls give the same values. Recursion is bounded: past a depth
or a count of values built, each value takes its cheapest valid form (required properties only, `minItems` items,
null where allowed, the branch that recurses least).

The validator, when given, judges the whole value once. What construction cannot settle alone (a `not` over a
schema with references, `oneOf` branches behind references that overlap) gets a few more tries, then a
`GenerationError` naming the rule: never hundreds of draws.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
import random
import re
from fractions import Fraction
from typing import Any, Protocol

from mockserver.spec.constraints import Constraints, GenerationError, Hopeless, Resolve, fold, follow, json_type, key
from mockserver.spec.matching import matches as _matches
from mockserver.spec.texts import identifier, python_pattern, text

__all__ = ["GenerationError", "can_generate", "generate", "integer_edges", "realistic"]

INTEGERS = (0, 1, -1, 2**31 - 1, -(2**31), 2**53, 900)
NUMBERS = (0.0, -0.5, 1e-9, 1.5e300, 3.14159)
MAX_ITEMS = 4
FUZZ_ATTEMPTS, REALISTIC_ATTEMPTS = 4, 2
SOFT_DEPTH = 10  # levels (values and choices) before each value takes its cheapest form
NODE_BUDGET = 300  # values built before the same
HARD_DEPTH = 50  # a schema that still needs more is a recursion without end (and past JSON nesting limits)
# Values of each JSON type, tried in turn to give a property a type another `oneOf` branch refuses.
_OFF_TYPE: tuple[Any, ...] = ("text", 0, 1.5, True, [], {}, None)
_NONE = object()  # no value found
HARD_COUNT = 1000  # the most items or properties one value is built with (a `minItems` above is refused)
HARD_NODES = 10000  # the most values one answer is built of
_ID_MAX = 2**31 - 1
_FAR = 10**30  # "no bound" for the range of multiples
_ORDER = ("object", "array", "string", "number", "integer", "boolean", "null")  # a fixed order: sets have none


class Checks(Protocol):
    def errors(self, value: Any) -> list[str]: ...


def generate(
    schema: Any,
    rng: random.Random,
    validator: Checks | None = None,
    edges: tuple[int, ...] = (),
    *,
    resolve: Resolve | None = None,
) -> Any:
    """One value valid against `schema`, leaning on edges (bounds, empty and long strings, non-ASCII text, optional
    fields left out, unknown extra ones); `edges` are integers to favour. The realistic build is the fallback."""
    resolve = _resolver(resolve, validator)
    plan = [_Builder(rng, resolve, fuzz=True, edges=edges)] * FUZZ_ATTEMPTS
    plan += [_Builder(rng, resolve)] * REALISTIC_ATTEMPTS
    return _first_valid(schema, [*plan, _Builder(rng, resolve, cheapest=True)], validator)


def realistic(
    schema: Any, rng: random.Random, now: float, validator: Checks | None = None, *, resolve: Resolve | None = None
) -> Any:
    """A plausible value for `schema`: every documented property present (`writeOnly` ones left out), formats
    honoured (`date-time` on the mock's clock `now`), numbers inside their bounds, identifiers as digits.
    A later try leaves documented defaults aside (a default may break its own schema), then the fuzz build."""
    resolve = _resolver(resolve, validator)
    plan = [_Builder(rng, resolve, now=now), _Builder(rng, resolve, now=now, defaults=False)]
    plan += [_Builder(rng, resolve, now=now, fuzz=True)] * 2
    return _first_valid(schema, [*plan, _Builder(rng, resolve, now=now, cheapest=True)], validator)


def can_generate(schema: Any, *, resolve: Resolve | None = None, validator: Checks | None = None) -> str | None:
    """Why no value can be built for `schema` (a start-up warning), or None when both builds give valid values."""
    try:
        for seed in range(3):
            realistic(schema, random.Random(seed), 0.0, validator, resolve=resolve)
            generate(schema, random.Random(seed), validator, resolve=resolve)
    except GenerationError as error:
        return str(error)
    return None


def integer_edges(schema: Any, *, resolve: Resolve | None = None) -> tuple[int, ...]:
    """Every integer bound and default in `schema` (a request's ttl range, say), sorted; references followed once."""
    found: set[int] = set()
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
                found.update(node[k] for k in ("minimum", "maximum", "default") if type(node.get(k)) is int)
            ref = node.get("$ref")
            if isinstance(ref, str) and resolve and ref not in seen:
                seen.add(ref)
                with contextlib.suppress(GenerationError):  # a reference to nothing has no edges
                    walk(follow(ref, resolve))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return tuple(sorted(found))


def _resolver(resolve: Resolve | None, validator: Checks | None) -> Resolve | None:
    """The `resolve` given, else the validator's own (a `BodyValidator` carries the one its schema's `$ref`s need)."""
    found = resolve if resolve is not None else getattr(validator, "resolve", None)
    return found if callable(found) else None


def _first_valid(schema: Any, plan: list[_Builder], validator: Checks | None) -> Any:
    reason = "no try was made"
    for builder in plan:
        try:
            value = builder.start(schema)
        except Hopeless:
            raise
        except GenerationError as error:
            reason = str(error)
            continue
        errors = validator.errors(value) if validator is not None else []
        if not errors:
            return value
        reason = "each value built broke the schema: " + "; ".join(errors[:3])
    raise GenerationError(reason)


class _Builder:
    """One try at a value: fuzz (edge-leaning) or realistic, drawing from the caller's generator."""

    def __init__(
        self,
        rng: random.Random,
        resolve: Resolve | None,
        *,
        fuzz: bool = False,
        edges: tuple[int, ...] = (),
        now: float = 0.0,
        defaults: bool = True,
        cheapest: bool = False,
    ):
        self.rng, self.resolve, self.fuzz, self.edges, self.now, self.defaults = (
            rng,
            resolve,
            fuzz,
            edges,
            now,
            defaults,
        )
        self.cheapest = cheapest  # every value in its cheapest form: the last try, where fuller ones all failed
        self.built = 0

    def start(self, schema: Any) -> Any:
        self.built = 0
        return self.build([schema], 0, "value")

    def build(self, schemas: list[Any], depth: int, name: str) -> Any:
        return self.shaped(fold(schemas, self.resolve), depth, name)

    def shaped(self, shape: Constraints, depth: int, name: str) -> Any:
        if shape.never:
            raise GenerationError(shape.never)
        if depth > HARD_DEPTH:
            raise Hopeless(f"the schema needs values nested deeper than {HARD_DEPTH}: a recursion without end")
        self.built += 1
        if self.built > HARD_NODES:
            raise Hopeless(f"the schema needs more than {HARD_NODES} values in one answer")
        if shape.choices:
            return self._choose(shape, depth, name)
        for _ in range(5 if shape.nots else 1):
            value = self._value(shape, depth, name)
            if not any(_matches(value, n, self.resolve) for n in shape.nots):
                return value
            apart = self._set_apart(value, shape)
            if apart is not None:
                return apart
        raise GenerationError(f"each value built matched `not` (or another oneOf branch) {str(shape.nots)[:100]}")

    def _set_apart(self, value: Any, shape: Constraints) -> dict[str, Any] | None:
        """An object that also meets a `not` (another `oneOf` branch: open objects overlap), changed where the two
        differ: a property only the other requires left out, or one only the other declares given a value of a type
        it refuses. None when that does not set it apart from every `not`."""
        if not isinstance(value, dict):
            return None
        out = dict(value)
        for schema in shape.nots:
            if not _matches(out, schema, self.resolve):
                continue
            other = fold([schema], self.resolve)
            dropped = next((p for p in other.required if p in out and p not in shape.required), None)
            if dropped is not None:
                del out[dropped]
                continue
            for name, theirs in other.properties.items():
                ours = None if name in shape.properties else _property(shape, name)
                wrong = next(
                    (v for v in _OFF_TYPE if self._fits_all(v, ours or []) and not self._fits_all(v, theirs)), _NONE
                )
                if ours is not None and wrong is not _NONE:
                    out[name] = wrong
                    break
            else:
                return None
        return None if any(_matches(out, n, self.resolve) for n in shape.nots) else out

    def _fits_all(self, value: Any, schemas: list[Any]) -> bool:
        return all(_matches(value, s, self.resolve) for s in schemas)

    def cheap(self, depth: int) -> bool:
        return self.cheapest or depth >= SOFT_DEPTH or self.built > NODE_BUDGET

    def _choose(self, shape: Constraints, depth: int, name: str) -> Any:
        keyword, branches = shape.choices[0]
        order = list(range(len(branches)))
        self.rng.shuffle(order)
        if self.cheap(depth):
            order.sort(key=lambda i: _cost(branches[i], self.resolve, 3))
        reason, hopeless = "", True
        for i in order:
            narrowed = shape.without_first_choice()
            narrowed.add(branches[i], self.resolve)
            if keyword == "oneOf":  # exactly one: the other branches become `not`s, met as `not` is
                narrowed.nots.extend(b for j, b in enumerate(branches) if j != i)
            try:
                return self.shaped(narrowed, depth + 1, name)
            except GenerationError as error:
                reason, hopeless = str(error), hopeless and isinstance(error, Hopeless)
        raise (Hopeless if hopeless else GenerationError)(f"no branch of {keyword} can be met: {reason}")

    def _value(self, shape: Constraints, depth: int, name: str) -> Any:
        cheap = self.cheap(depth)
        finite = _candidates(shape, self.resolve)
        if finite is not None:
            if not finite:
                raise GenerationError(f"no value of the enum {str(shape.enum)[:100]} meets the other rules")
            return self._pick(finite, shape, cheap)
        default = shape.default[0] if shape.default else None
        if not self.fuzz and self.defaults and shape.default and _typed(default, shape.types) and _fits(default, shape):
            return copy.deepcopy(shape.default[0])
        kinds = _kinds(shape)
        if "null" in kinds and (len(kinds) == 1 or cheap or (self.fuzz and self.rng.random() < 0.1)):
            return None
        kinds = [k for k in kinds if k != "null"]
        kind = self.rng.choice(kinds) if self.fuzz else kinds[0]
        if kind == "object":
            return self._object(shape, depth, cheap)
        if kind == "array":
            return self._array(shape, depth, name, cheap)
        if kind == "string":
            return text(shape, self.rng, fuzz=self.fuzz, name=name, now=self.now)
        if kind == "integer":
            return self._number(shape, True, name)
        if kind == "number":  # a fraction where an integer is ruled out (`oneOf: [number, integer]`)
            ruled_out = any(fold([n], self.resolve).types == frozenset({"integer"}) for n in shape.nots)
            return self._fraction(shape) if ruled_out else self._number(shape, False, name)
        if kind == "boolean":
            return self.rng.random() < 0.5
        return self.rng.choice((True, 0, -1, "", "text", 1.5)) if self.fuzz else None

    def _pick(self, candidates: list[Any], shape: Constraints, cheap: bool) -> Any:
        if self.fuzz:
            return copy.deepcopy(self.rng.choice(candidates))
        if self.defaults and shape.default and any(key(c) == key(shape.default[0]) for c in candidates):
            return copy.deepcopy(shape.default[0])
        if cheap and None in candidates:
            return None
        present = [c for c in candidates if c is not None] or candidates
        return copy.deepcopy(self.rng.choice(present))

    def _number(self, shape: Constraints, integer: bool, name: str) -> int | float:
        step = shape.multiple_of
        if integer:
            step = Fraction(1) if step is None else Fraction(math.lcm(step.numerator, 1), math.gcd(step.denominator, 1))
        free = shape.minimum is None and shape.maximum is None and shape.multiple_of is None
        if free and not self.fuzz:  # the usual case, without fractions
            value = self.rng.randint(1, _ID_MAX if identifier(name) else 1000)
            return value if integer else float(value)
        if self.fuzz and self.rng.random() < 0.7:
            pool: list[float | Fraction] = [*INTEGERS, *self.edges, *(NUMBERS if not integer else ())]
            pool += [b for b in (shape.minimum, shape.maximum) if b is not None]
            fitting = pool if free else [v for v in pool if _in_range(_exact(v), shape, step)]
            if fitting:
                chosen = self.rng.choice(fitting)
                return int(chosen) if integer else float(chosen)
        wide = (-(2**31), 2**31) if self.fuzz else (1, _ID_MAX if identifier(name) else 1000)
        low, high = _window(shape, Fraction(wide[0]), Fraction(wide[1]))
        if step is None and not (self.fuzz and self.rng.random() < 0.5):
            step = Fraction(1) if _multiples(shape, Fraction(1), low, high) else None
        if step is not None:
            span = _multiples(shape, step, low, high) or _multiples(shape, step, None, None)
            if span is None:
                raise GenerationError(f"no multiple of {float(step):g} lies within {_bounds(shape)}")
            first, last = span  # from the window; else from the bounds alone, near the one there is
            if first <= -_FAR and last >= _FAR:
                first = last = 0
            elif first <= -_FAR or last >= _FAR:
                first, last = (last - 1000, last) if first <= -_FAR else (first, first + 1000)
            multiple = self.rng.randint(first, last) * step
            return int(multiple) if integer else float(multiple)
        drawn = self.rng.uniform(float(low), float(high))  # no integer between the bounds: anything inside them
        if not _in_range(_exact(drawn), shape, None):
            drawn = float((low + high) / 2)
        if not _in_range(_exact(drawn), shape, None):
            raise GenerationError(f"no number lies within {_bounds(shape)}")
        return drawn

    def _fraction(self, shape: Constraints) -> float:
        low, high = _window(shape, Fraction(-1000), Fraction(1000))
        for _ in range(4):
            value = _exact(round(self.rng.uniform(float(low), float(high)), 2))
            if value.denominator != 1 and _in_range(value, shape, shape.multiple_of):
                return float(value)
        value = (low + high) / 2
        if value.denominator == 1 or not _in_range(value, shape, shape.multiple_of):
            raise GenerationError(f"no number but integers lies within {_bounds(shape)}")
        return float(value)

    def _object(self, shape: Constraints, depth: int, cheap: bool) -> dict[str, Any]:
        chosen: dict[str, list[Any]] = {}
        for name in shape.required:
            schemas = _property(shape, name)
            if schemas is None:
                raise GenerationError(f"the required property {name!r} is not allowed by additionalProperties")
            chosen[name] = schemas
        high = shape.max_properties if shape.max_properties is not None else math.inf
        self._dependents(shape, chosen)
        if len(chosen) > high:
            raise GenerationError(f"{len(chosen)} properties are required, but maxProperties is {high}")
        optional = [n for n in shape.properties if n not in chosen]
        for name in optional:
            wanted = not cheap and (self.rng.random() < 0.5 if self.fuzz else not _write_only(shape, name))
            if (wanted or len(chosen) < shape.min_properties) and len(chosen) < high:
                self._include(shape, chosen, name, high)
        extra = 1 if self.fuzz and not cheap and self.rng.random() < 0.25 else 0
        if shape.min_properties > HARD_COUNT:
            raise Hopeless(f"minProperties {shape.min_properties} is more than the mock builds ({HARD_COUNT})")
        for n in range(max(extra, shape.min_properties - len(chosen)) if len(chosen) < high else 0):
            self._include_extra(shape, chosen, n)
        if len(chosen) < shape.min_properties:
            raise GenerationError(f"no {shape.min_properties} properties (minProperties) are allowed together")
        return {name: self.build(schemas, depth + 1, name) for name, schemas in chosen.items()}

    def _include(self, shape: Constraints, chosen: dict[str, list[Any]], name: str, high: float) -> None:
        schemas = _property(shape, name)
        if schemas is None:
            return
        trial = {**chosen, name: schemas}
        self._dependents(shape, trial)
        if len(trial) <= high and all(v is not None for v in trial.values()):
            chosen.update(trial)

    def _include_extra(self, shape: Constraints, chosen: dict[str, list[Any]], n: int) -> None:
        """One more property, named so that propertyNames, patternProperties and additionalProperties allow it."""
        names: list[str] = [("extra", "x_unknown_field", "ünïcødé")[n % 3] + ("" if n < 3 else str(n))]
        if shape.property_names:
            names = [self.build([*shape.property_names, {"type": "string"}], 0, "name") for _ in range(3)]
        elif shape.closed:
            for pattern in shape.pattern_properties:
                names.append(text(fold([{"pattern": pattern}], None), self.rng, fuzz=False, name="name", now=0.0))
        for name in names:
            if name not in chosen and _property(shape, name) is not None:
                self._include(shape, chosen, name, math.inf)
                return

    def _dependents(self, shape: Constraints, chosen: dict[str, Any]) -> None:
        grown = True
        while grown:
            grown = False
            for name in list(chosen):
                for needed in shape.dependent_required.get(name, ()):
                    if needed not in chosen:
                        chosen[needed] = _property(shape, needed)
                        grown = True

    def _array(self, shape: Constraints, depth: int, name: str, cheap: bool) -> list[Any]:
        low, high = shape.min_items, shape.max_items
        if not shape.items_allowed:
            high = len(shape.prefix) if high is None else min(high, len(shape.prefix))
        needed = shape.min_contains if shape.contains else 0
        if max(low, needed) > HARD_COUNT:
            raise Hopeless(f"minItems {max(low, needed)} is more than the mock builds ({HARD_COUNT})")
        if cheap:
            count = max(low, needed)
        elif self.fuzz:
            count = self.rng.randint(low, low + MAX_ITEMS)
        else:
            count = max(low, needed, 2)
        count = max(low, needed, min(count, high if high is not None else count))
        if high is not None and count > high:
            raise GenerationError(f"minItems {low} (or minContains {needed}) is above maxItems {high}")
        out: list[Any] = []
        seen: set[Any] = set()
        for i in range(count):
            slot = shape.prefix[i] if i < len(shape.prefix) else shape.items
            slot = [*slot, *shape.contains] if i < needed else slot
            item = self._item(slot, depth, name, seen if shape.unique else None)
            if item is _NONE:
                if i >= max(low, needed):
                    break
                raise GenerationError(f"no {max(low, needed)} distinct items (uniqueItems) can be built")
            out.append(item)
        return out

    def _item(self, slot: list[Any], depth: int, name: str, seen: set[Any] | None) -> Any:
        if seen is None:
            return self.build(slot, depth + 1, name)
        shape = fold(slot, self.resolve)
        finite = None if shape.choices else _candidates(shape, self.resolve)
        if finite is None and not shape.choices:
            finite = _few_integers(shape, self.resolve)
        if finite is not None:  # an enum, or a few integers: draw from the values not yet used
            finite = [v for v in finite if key(v) not in seen]
            if not finite:
                return _NONE
            value = self.rng.choice(finite)
            seen.add(key(value))
            return copy.deepcopy(value)
        for _ in range(16):
            value = self.shaped(shape, depth + 1, name)
            if key(value) not in seen:
                seen.add(key(value))
                return value
        return _NONE


_NONE = object()  # no item could be built


def _kinds(shape: Constraints) -> list[str]:
    """The types a value may take, in a fixed order; `number` stands for `integer` too."""
    types = shape.types
    if types is None:
        types = _inferred(shape)
    for excluded in shape.nots:  # `not: {type: ...}`: leave those types out
        if isinstance(excluded, dict) and set(excluded) == {"type"}:
            gone = {excluded["type"]} if isinstance(excluded["type"], str) else set(excluded["type"])
            types = frozenset(t for t in types if t not in gone and not (t == "integer" and "number" in gone))
    kinds = [t for t in _ORDER if t in types and not (t == "integer" and "number" in types)]
    if not kinds:
        raise GenerationError("no type is left that the schema allows")
    return kinds


def _inferred(shape: Constraints) -> frozenset[str]:
    """The type a schema without `type` means, read from its keywords; any type when it has none."""
    if shape.properties or shape.required or shape.closed or shape.pattern_properties or shape.min_properties:
        return frozenset({"object"})
    if shape.items or shape.prefix or shape.min_items or shape.contains:
        return frozenset({"array"})
    if shape.patterns or shape.format or shape.min_length or shape.max_length is not None:
        return frozenset({"string"})
    if shape.minimum is not None or shape.maximum is not None or shape.multiple_of is not None:
        return frozenset({"number", "integer"})
    return frozenset({"null", "string", "integer", "boolean"})


def _candidates(shape: Constraints, resolve: Resolve | None) -> list[Any] | None:
    """The values a finite shape allows (an enum, booleans, null), with those the other rules rule out removed."""
    if shape.enum is not None:
        values = [v for v in shape.enum if _typed(v, shape.types) and _fits(v, shape)]
    elif shape.types is not None and shape.types <= {"boolean", "null"}:
        values = [v for v in (True, False, None) if json_type(v) in shape.types]
    else:
        return None
    return [v for v in values if not any(_matches(v, n, resolve) for n in shape.nots)]


def _few_integers(shape: Constraints, resolve: Resolve | None) -> list[int] | None:
    """The integers a narrow integer range allows, where they are few enough to list (for `uniqueItems`)."""
    if shape.types != frozenset({"integer"}) or shape.minimum is None or shape.maximum is None:
        return None
    step = Fraction(1) if shape.multiple_of is None else Fraction(shape.multiple_of.numerator)
    span = _multiples(shape, step, None, None)
    if span is None or span[1] - span[0] > 256:
        return None
    values = [int(k * step) for k in range(span[0], span[1] + 1)]
    return [v for v in values if not any(_matches(v, n, resolve) for n in shape.nots)]


def _typed(value: Any, types: frozenset[str] | None) -> bool:
    kind = json_type(value)
    return types is None or kind in types or (kind == "number" and "number" in types)


def _fits(value: Any, shape: Constraints) -> bool:
    """Whether an enum value or a default meets the shape's bounds, lengths, patterns and format too (an `allOf`
    may add them; a document's `default: ""` beside `format: uri` is not one to answer)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return math.isfinite(value) and _in_range(_exact(value), shape, shape.multiple_of)
    if isinstance(value, str):
        long_ok = shape.max_length is None or len(value) <= shape.max_length
        formatted = shape.format is None or _matches(value, _format_schema(shape.format), None)
        return (
            shape.min_length <= len(value) and long_ok and formatted and all(_search(p, value) for p in shape.patterns)
        )
    return True


@functools.cache
def _format_schema(name: str) -> dict[str, str]:
    """One schema object per format name, so that its compiled check is kept."""
    return {"format": name}


def _search(pattern: str, value: str) -> bool:
    try:
        return re.search(python_pattern(pattern), value) is not None
    except re.error:
        return True  # a pattern Python can't read: the validator judges


def _exact(value: float | Fraction) -> Fraction:
    """A number as the decimal it is written as: 0.3 is three tenths, a multiple of 0.1, as validators judge."""
    return (
        value if isinstance(value, Fraction) else Fraction(value) if isinstance(value, int) else Fraction(repr(value))
    )


def _in_range(value: Fraction, shape: Constraints, step: Fraction | None) -> bool:
    low, high = shape.minimum, shape.maximum
    if low is not None and (value < low or (value == low and shape.minimum_open)):
        return False
    if high is not None and (value > high or (value == high and shape.maximum_open)):
        return False
    return step is None or value % step == 0


def _window(shape: Constraints, low: Fraction, high: Fraction) -> tuple[Fraction, Fraction]:
    """The shape's bounds, with the default window standing in for a missing one and moved to meet the other."""
    span = high - low
    if shape.minimum is not None:
        a = shape.minimum
    else:
        a = low if shape.maximum is None or shape.maximum > low else shape.maximum - span
    b = shape.maximum if shape.maximum is not None else high if a < high else a + span
    return a, b


def _multiples(
    shape: Constraints, step: Fraction, low: Fraction | None, high: Fraction | None
) -> tuple[int, int] | None:
    """The range of k for which k·step lies within both the shape's bounds and [low, high]; None when empty."""
    first, last = -_FAR, _FAR
    for bound, is_open, lower in (
        (shape.minimum, shape.minimum_open, True),
        (shape.maximum, shape.maximum_open, False),
        (low, False, True),
        (high, False, False),
    ):
        if bound is None:
            continue
        k = math.ceil(bound / step) if lower else math.floor(bound / step)
        if is_open and k * step == bound:
            k += 1 if lower else -1
        first, last = (max(first, k), last) if lower else (first, min(last, k))
    return (first, last) if first <= last else None


def _bounds(shape: Constraints) -> str:
    low = "(" if shape.minimum_open else "["
    high = ")" if shape.maximum_open else "]"
    lo = "-∞" if shape.minimum is None else f"{float(shape.minimum):g}"
    hi = "∞" if shape.maximum is None else f"{float(shape.maximum):g}"
    return f"{low}{lo}, {hi}{high}"


def _property(shape: Constraints, name: str) -> list[Any] | None:
    """Every schema a property named `name` must meet; None when some `additionalProperties: false` forbids it."""
    schemas = list(shape.properties.get(name, ()))
    for pattern, subs in shape.pattern_properties.items():
        if _search(pattern, name):
            schemas += subs
    for names, patterns, extra in shape.closed:
        if name in names or any(_search(p, name) for p in patterns):
            continue
        if extra is False:
            return None
        schemas.append(extra)
    return schemas


def _write_only(shape: Constraints, name: str) -> bool:
    return any(isinstance(s, dict) and s.get("writeOnly") is True for s in shape.properties.get(name, ()))


def _cost(schema: Any, resolve: Resolve | None, budget: int) -> int:
    """A rough count of the values `schema` needs at the least; a reference past the budget counts as many."""
    if not isinstance(schema, dict):
        return 0 if schema is not False else 1000
    total = 1
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if budget == 0:
            return 1000
        total += _cost(follow(ref, resolve), resolve, budget - 1)
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind) or None in (schema.get("enum") or ()):
        return 0
    total += sum(_cost(m, resolve, budget) for m in schema.get("allOf") or ())
    for keyword in ("oneOf", "anyOf"):
        if schema.get(keyword):
            total += min(_cost(b, resolve, budget) for b in schema[keyword])
    properties = schema.get("properties") or {}
    total += sum(_cost(properties.get(r), resolve, budget) for r in schema.get("required") or () if r in properties)
    if isinstance(schema.get("minItems"), int) and schema["minItems"]:
        total += schema["minItems"] * _cost(schema.get("items"), resolve, budget)
    return min(total, 1000)
