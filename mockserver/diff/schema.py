"""Two schemas compared keyword by keyword, each difference classed by the direction that matters for its view.

A request schema that narrows (a type, enum value, bound or pattern fewer) refuses a request that was valid: breaking;
one that widens is additive. An answer schema that widens its type or takes null can break a strict parser; a wider
enum, bound or pattern is behaviour (the same request may get a value never seen before); a narrower answer is safe.
Schemas are read as the mock reads them: each view's translated schema (`spec/schemas.py`, 3.0's `nullable` as a null
type), references followed and `allOf` merged (`spec/shape.py`). Each pair of schemas is walked once per body, answer
or parameter, breadth first.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from mockserver.diff.model import ABSENT, ADDITIVE, BEHAVIOUR, BREAKING, Change
from mockserver.spec.shape import Resolve, deref, merged, shape_of

LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_TYPES = ("string", "integer", "number", "boolean", "array", "object")


@dataclass(frozen=True)
class At:
    """Where a schema sits: the operation, the place below it, the view, and the request field or answer status."""

    operation: str
    operation_id: str
    place: tuple[str, ...]
    view: str  # "request" or "response"
    status: str | None = None
    field: str | None = None  # the request field, dotted (`limits.hourly`)

    def down(self, step: str, name: str | None = None) -> At:
        field = self.field
        if name is not None:
            field = f"{field}.{name}" if field else name
        elif step in ("[]", "{}") and field:
            field = f"{field}{step}"
        return replace(self, place=(*self.place, step), field=field)

    def change(self, kind: str, old: Any, new: Any, klass: str, why: str, last: str | None = None) -> Change:
        place = (*self.place, last) if last else self.place
        return Change(self.operation, place, kind, old, new, klass, why, self.operation_id, self.status, self.field)


class SchemaDiff:
    """Compares schemas of one old and one new document; `changes` collects what every `compare` found."""

    def __init__(self, old: Resolve, new: Resolve) -> None:
        self.resolve = (old, new)
        self.changes: list[Change] = []
        self._queue: deque[tuple[Any, Any, At]] = deque()

    def compare(self, old: Any, new: Any, at: At) -> None:
        """Every change from `old` to `new`, a request body, answer or parameter's schema at `at`.

        Breadth first, each pair of schemas once: a schema met again (shared, or recursive) is reported where it was
        first met, at its shortest place, and the walk takes one step per pair however the schemas nest."""
        seen: set[tuple[str, str]] = set()
        self._queue.append((old, new, at))
        while self._queue:
            one, other, here = self._queue.popleft()
            one, other = deref(one, self.resolve[0]), deref(other, self.resolve[1])
            # By content, not identity: `shape_of` hands out merged copies of property schemas, and inner
            # references stay references, so a recursive schema's text is finite and the same each time it is met.
            pair = (_json(one), _json(other))
            if pair not in seen:
                seen.add(pair)
                self._compare(one, other, here)

    def _below(self, old: Any, new: Any, at: At) -> None:
        self._queue.append((old, new, at))

    def _compare(self, old_raw: Any, new_raw: Any, at: At) -> None:
        (old, old_null), (new, new_null) = _unwrapped(old_raw, self.resolve[0]), _unwrapped(new_raw, self.resolve[1])
        add = self.changes.append
        request = at.view == "request"
        if old_null != new_null:
            if request:
                klass, why = (ADDITIVE, "null is now accepted") if new_null else (BREAKING, "null is now refused")
            else:
                klass, why = (BREAKING, "answers may now carry null") if new_null else (ADDITIVE, "never null now")
            add(at.change("nullable changed", old_null, new_null, klass, why, "nullable"))
        self._types(old, new, at)
        for keyword in ("format", "pattern"):
            self._narrowing_text(keyword, old.get(keyword), new.get(keyword), at)
        self._enum(old.get("enum"), new.get("enum"), at)
        for keyword in (*LOWER, *UPPER, "multipleOf"):
            self._bound(keyword, old.get(keyword), new.get(keyword), at)
        if _json(old.get("default")) != _json(new.get("default")):
            why = "a client that leaves it out now gets another value" if request else "its documented default moved"
            add(at.change("default changed", old.get("default"), new.get("default"), BEHAVIOUR, why, "default"))
        if request:
            for flag, meaning in (("readOnly", "ignored when sent"), ("writeOnly", "left out of answers")):
                if bool(old.get(flag)) != bool(new.get(flag)):
                    now = bool(new.get(flag))
                    klass, why = (BEHAVIOUR, f"now {meaning}") if now else (ADDITIVE, f"no longer {meaning}")
                    add(at.change(f"{flag} changed", bool(old.get(flag)), now, klass, why, flag))
        self._properties(old, new, at)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self._below(old["items"], new["items"], at.down("[]"))
        self._choices(old, new, at)

    def _types(self, old: dict[str, Any], new: dict[str, Any], at: At) -> None:
        before, after = _types_of(old), _types_of(new)
        if before == after:
            return
        if at.view == "request":
            lost = (after is not None) and (before is None or bool(before - after))
            klass, why = (BREAKING, "a value of the old type is refused") if lost else (ADDITIVE, "more types accepted")
        else:
            gained = (before is not None) and (after is None or bool(after - before))
            klass, why = (BREAKING, "answers may carry a type a parser does not expect") if gained else (ADDITIVE, "")
            why = why or "answers carry fewer types"
        self.changes.append(at.change("type changed", _listed(before), _listed(after), klass, why, "type"))

    def _narrowing_text(self, keyword: str, old: Any, new: Any, at: At) -> None:
        """`format` and `pattern`: one added or changed narrows a request; one changed or removed widens an answer."""
        if old == new:
            return
        if at.view == "request":
            klass = ADDITIVE if new is None else BREAKING
            why = f"no {keyword} is checked now" if new is None else f"a value of the old {keyword} may be refused"
        elif old is None:
            klass, why = ADDITIVE, f"answers now follow a {keyword}"
        else:
            klass = BREAKING if keyword == "format" and new is not None else BEHAVIOUR
            why = f"answers may carry values outside the old {keyword}"
        self.changes.append(at.change(f"{keyword} changed", old, new, klass, why, keyword))

    def _enum(self, old: Any, new: Any, at: At) -> None:
        before = _values(old)
        after = _values(new)
        if before == after:
            return
        added = None if after is None or before is None else [v for k, v in after.items() if k not in before]
        removed = None if after is None or before is None else [v for k, v in before.items() if k not in after]
        request = at.view == "request"
        if before is None:  # an enum where there was none: narrower
            kind, old_v, new_v = "enum added", ABSENT, list(after.values())  # type: ignore[union-attr]
            klass, why = (BREAKING, "values outside it are refused") if request else (ADDITIVE, "answers are narrower")
        elif after is None:
            kind, old_v, new_v = "enum removed", list(before.values()), ABSENT
            klass, why = (ADDITIVE, "any value is accepted") if request else (BEHAVIOUR, "answers may carry any value")
        elif removed:
            kind, old_v, new_v = "enum narrowed", list(before.values()), list(after.values())
            if request:
                klass, why = BREAKING, f"{_some(removed)} {'is' if len(removed) == 1 else 'are'} refused now"
            else:
                klass, why = ADDITIVE, f"answers no longer carry {_some(removed)}"
            if added:
                kind = "enum changed"
                if not request:
                    klass, why = BEHAVIOUR, f"answers may carry {_some(added)}"
        else:
            kind, old_v, new_v = "enum widened", list(before.values()), list(after.values())
            assert added is not None
            plural = "values" if len(added) > 1 else "value"
            klass, why = (
                (ADDITIVE, f"{len(added)} new {plural} accepted: {_some(added)}")
                if request
                else (BEHAVIOUR, f"answers may carry {len(added)} new {plural}: {_some(added)}")
            )
        self.changes.append(at.change(kind, old_v, new_v, klass, why, "enum"))

    def _bound(self, keyword: str, old: Any, new: Any, at: At) -> None:
        if old == new or (isinstance(old, bool) != isinstance(new, bool) and None not in (old, new)):
            return
        if new is None:
            narrower = False
        elif old is None:
            narrower = True
        elif isinstance(new, bool):  # draft 4's exclusiveMinimum/Maximum flags
            narrower = new
        elif keyword == "multipleOf":
            narrower = True
        else:
            narrower = new > old if keyword in LOWER else new < old
        if at.view == "request":
            klass, why = (BREAKING, "values the old bound allowed are refused") if narrower else (ADDITIVE, "wider")
            why = why if narrower else "values outside the old bound are accepted"
        else:
            klass, why = (ADDITIVE, "answers are narrower") if narrower else (BEHAVIOUR, "")
            why = why if narrower else "answers may carry values outside the old bound"
        self.changes.append(at.change(f"{keyword} changed", old, new, klass, why, keyword))

    def _properties(self, old: dict[str, Any], new: dict[str, Any], at: At) -> None:
        before, after = shape_of(old, self.resolve[0]), shape_of(new, self.resolve[1])
        closed_before, closed_after = _closed(old), _closed(new)
        request = at.view == "request"
        add = self.changes.append
        if closed_before != closed_after:
            if request:
                klass, why = (BREAKING, "unknown properties are refused") if closed_after else (ADDITIVE, "")
                why = why or "unknown properties are accepted"
            else:
                klass, why = (ADDITIVE, "no undocumented properties") if closed_after else (BEHAVIOUR, "")
                why = why or "answers may carry undocumented properties"
            add(at.change("additionalProperties changed", not closed_before, not closed_after, klass, why))
        for name in sorted(set(before.properties) - set(after.properties)):
            here = at.down(name, name if request else None)
            was_required = name in before.required
            if request and closed_after:
                klass, why = BREAKING, "a request that sends it is refused (additionalProperties: false)"
            elif request:
                klass, why = BEHAVIOUR, "a request that sends it is accepted and the value silently ignored"
            elif was_required:
                klass, why = BREAKING, "answers no longer carry it, though it was required"
            else:
                klass, why = BEHAVIOUR, "answers no longer carry it"
            add(here.change("property removed", self._summary(before.properties[name], 0), ABSENT, klass, why))
        for name in sorted(set(after.properties) - set(before.properties)):
            here = at.down(name, name if request else None)
            required = name in after.required
            if request:
                klass, why = (BREAKING, "every request must now send it") if required else (ADDITIVE, "optional")
                why = why if required else "a new optional property"
            elif closed_before:
                klass, why = BREAKING, "answers carry a property the old document forbade"
            else:
                klass, why = ADDITIVE, "answers may carry a new property"
            add(here.change("property added", ABSENT, self._summary(after.properties[name], 1), klass, why))
        # A name newly required (or no longer) whether or not a property declares it: `required` alone decides.
        moved = set(before.properties) ^ set(after.properties)
        for name in sorted((before.required ^ after.required) - moved):
            here = at.down(name, name if request else None)
            now = name in after.required
            if request:
                klass, why = (BREAKING, "a request without it is refused") if now else (ADDITIVE, "now optional")
            else:
                klass, why = (ADDITIVE, "always answered now") if now else (BREAKING, "answers may leave it out")
            add(here.change("required changed", not now, now, klass, why, "required"))
        for name in sorted(set(before.properties) & set(after.properties)):
            self._below(before.properties[name], after.properties[name], at.down(name, name if request else None))
        extra_old, extra_new = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(extra_old, dict) and isinstance(extra_new, dict):
            self._below(extra_old, extra_new, at.down("{}"))

    def _summary(self, schema: Any, side: int) -> str:
        flat, nullable = _unwrapped(schema, self.resolve[side])
        if "type" not in flat and "properties" in flat:
            flat = {**flat, "type": "object"}
        return _brief(flat) + (" or null" if nullable else "")

    def _choices(self, old: dict[str, Any], new: dict[str, Any], at: At) -> None:
        for keyword in ("anyOf", "oneOf"):
            before, after = old.get(keyword), new.get(keyword)
            if not isinstance(before, list) or not isinstance(after, list):
                continue
            if len(before) == len(after):
                for i, (one, other) in enumerate(zip(before, after, strict=True)):
                    self._below(one, other, at.down(f"{keyword}[{i}]"))
                continue
            fewer = len(after) < len(before)
            if at.view == "request":
                klass, why = (BREAKING, "a value of a dropped choice is refused") if fewer else (ADDITIVE, "more")
                why = why if fewer else "more shapes accepted"
            else:
                klass, why = (ADDITIVE, "fewer shapes answered") if fewer else (BREAKING, "")
                why = why or "answers may carry a shape a parser does not know"
            self.changes.append(at.change(f"{keyword} changed", len(before), len(after), klass, why, keyword))


def _unwrapped(schema: Any, resolve: Resolve) -> tuple[dict[str, Any], bool]:
    """The schema's keywords, `allOf` merged, and whether it takes null; 3.0's `nullable` (translated into a
    choice of null or the schema) read back as the one non-null branch."""
    flat = merged(schema, resolve)
    for keyword in ("anyOf", "oneOf"):
        branches = flat.get(keyword)
        if isinstance(branches, list) and len(branches) == 2:
            rest = [b for b in branches if not _is_null(merged(b, resolve))]
            if len(rest) == 1:
                inner = merged(rest[0], resolve)
                outer = {k: v for k, v in flat.items() if k != keyword}
                return {**outer, **inner}, True
    kinds = flat.get("type")
    nullable = kinds == "null" or (isinstance(kinds, list) and "null" in kinds)
    enum = flat.get("enum")
    if nullable and isinstance(enum, list):
        flat = {**flat, "enum": [v for v in enum if v is not None]}
    return flat, nullable


def _is_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or schema.get("type") == ["null"]


def _types_of(schema: dict[str, Any]) -> frozenset[str] | None:
    kinds = schema.get("type")
    listed = kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []
    found = frozenset(k for k in listed if k != "null")
    if "number" in found:
        found |= {"integer"}  # an integer is a number: number → integer narrows, integer → number widens
    return found or None


def _listed(kinds: frozenset[str] | None) -> Any:
    if kinds is None:
        return ABSENT
    shown = sorted(kinds - {"integer"} if "number" in kinds else kinds, key=_TYPES.index)
    return shown[0] if len(shown) == 1 else shown


def _values(enum: Any) -> dict[str, Any] | None:
    """An enum's values by their JSON (so 1 and true stay apart), null left out (it is `nullable`'s)."""
    if not isinstance(enum, list):
        return None
    return {_json(v): v for v in enum if v is not None}


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _closed(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False


def _some(values: list[Any], most: int = 6) -> str:
    shown = ", ".join(f"`{v}`" if isinstance(v, str) else json.dumps(v) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def _brief(schema: dict[str, Any]) -> str:
    """A schema's type (and format), for the old or new side of a property's addition or removal."""
    kind = schema.get("type")
    shown = kind if isinstance(kind, str) else "/".join(map(str, kind)) if isinstance(kind, list) else "any"
    return f"{shown} ({schema['format']})" if isinstance(schema.get("format"), str) else shown
