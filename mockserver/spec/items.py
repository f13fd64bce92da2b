"""What a collection's item holds: made from a request body, replaced or merged by one, shaped into other answers.

Pure functions of the collection, the body and the mock's time. Read-only fields are the mock's to fill: the id
(sequential, written as the schema types it), the creation and modification times from the clock, the rest drawn
as a realistic value, the same for the same request. Each field is then checked on its own against the item schema;
one the schema cannot hold is filled as the schema allows instead, so what the mock stores always answers valid.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Container, Iterator, Mapping, Sequence
from typing import Any

from mockserver.core.clock import format_time
from mockserver.spec.collections import Collection, id_value
from mockserver.spec.generate import realistic
from mockserver.spec.shape import allows_null
from mockserver.spec.validation import BodyValidator


class ItemError(ValueError):
    """Resources given whole (seeds, the admin API) that the item schema refuses; the message names each field."""


def id_key(value: Any) -> str:
    """How an id is looked up: the text a path carries."""
    return value if isinstance(value, str) else json.dumps(value)


def new_item(
    c: Collection, body: Mapping[str, Any], now: float, fixed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A new item from a create's body, without its id (the store numbers it); `fixed` sets read-only fields."""
    base = _Drawn(c, now, "new", body)
    stamp = format_time(now)
    item: dict[str, Any] = {}
    for name, schema in _properties(c):
        if fixed and name in fixed:
            item[name] = fixed[name]
        elif name in c.created or name in c.modified:
            item[name] = stamp
        elif name in c.read_only:
            if name in base:
                item[name] = base[name]
        elif name in body:
            item[name] = _coerce(body[name], schema)
        else:
            _unsent(item, name, schema, c, base)
    # An optional field the schema refuses goes, rather than take a value nobody sent.
    return _repaired(c, item, base, keep=c.required | c.read_only)


def replaced(c: Collection, old: Mapping[str, Any], body: Mapping[str, Any], now: float) -> dict[str, Any]:
    """An update: the body's writable fields replace the item's; read-only fields stay, modification times move."""
    base = _Drawn(c, now, old.get(c.id_field), body, given=old)
    stamp = format_time(now)
    item: dict[str, Any] = {}
    for name, schema in _properties(c):
        if name in c.modified:
            item[name] = stamp
        elif name in c.read_only:
            if name in old:
                item[name] = old[name]
        elif name in body:
            item[name] = _coerce(body[name], schema)
        elif name in c.required and name in old:
            item[name] = old[name]
        else:
            _unsent(item, name, schema, c, base)
    return {c.id_field: old[c.id_field], **_repaired(c, item, base)}


def merged(c: Collection, old: Mapping[str, Any], body: Mapping[str, Any], now: float) -> dict[str, Any]:
    """A partial update: the body's writable fields merged into the item; modification times move."""
    props = c.schema.get("properties") or {}
    item = {name: value for name, value in old.items() if name != c.id_field}
    for name, value in body.items():
        if name in props and name not in c.read_only and name not in c.write_only:
            item[name] = _coerce(value, props[name])
    stamp = format_time(now)
    for name in c.modified:
        item[name] = stamp
    return {c.id_field: old[c.id_field], **_repaired(c, item, dict(old))}


def shaped(schema: dict[str, Any] | None, validator: BodyValidator | None, item: Mapping[str, Any], now: float) -> Any:
    """An answer of another schema than the item's (a create answering `{"id": ...}`, say): the item's fields that
    the schema has, and realistic values for the required ones it lacks."""
    if schema is None:
        return None
    rng = random.Random(_seed("shaped", item))
    props = schema.get("properties") or {}
    out = {name: item[name] for name in props if name in item}
    if validator is not None and not validator.errors(out):
        return out
    base = realistic(schema, rng, now, validator, resolve=validator.resolve if validator else None)
    if isinstance(base, dict):
        kept = {**base, **{name: value for name, value in out.items() if name in base}}
        if validator is None or not validator.errors(kept):
            return kept
    return base


def numbered(c: Collection, items: Sequence[Any], now: float, where: str) -> list[tuple[str, int, dict[str, Any]]]:
    """Whole resources (seed data, the admin API's replace) checked against the item schema, read-only fields they
    lack filled in, each with its key and place in the collection's sequence: an id that reads as a number keeps
    that place, the others (and those without an id) follow the highest. Raises ItemError naming every problem."""
    problems: list[str] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(items):
        field = f"{where}[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{field}: {json.dumps(raw)[:60]} is not an object")
            continue
        item = _filled(c, raw, now)
        shown = item if c.id_field in item else {c.id_field: id_value(c.id_kind, 1), **item}
        problems.extend(c.validator.errors(shown, root=field))
        checked.append((index, item))
    seen: dict[str, int] = {}
    places: list[int | None] = []
    for index, item in checked:
        if c.id_field not in item:
            places.append(None)
            continue
        key = id_key(item[c.id_field])
        if key in seen:
            problems.append(f"{where}[{index}].{c.id_field}: {key} is also {where}[{seen[key]}]'s id")
        seen[key] = index
        places.append(_place(item[c.id_field]))
    if problems:
        raise ItemError("; ".join(problems))
    top = max((p for p in places if p is not None), default=0)
    out: list[tuple[str, int, dict[str, Any]]] = []
    for (_, item), place in zip(checked, places, strict=True):
        if place is None:
            top += 1
            place = top
            if c.id_field not in item:
                while id_key(id_value(c.id_kind, place)) in seen:
                    top += 1
                    place = top
                item = {c.id_field: id_value(c.id_kind, place), **item}
        out.append((id_key(item[c.id_field]), place, item))
    return out


def _place(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:
        return int(value)
    try:
        number = uuid.UUID(str(value)).int
    except ValueError:
        return None
    return number if 0 < number < 2**48 else None


def _filled(c: Collection, raw: dict[str, Any], now: float) -> dict[str, Any]:
    """A resource given whole, with the read-only fields it lacks filled as a create would."""
    item = dict(raw)
    base = _Drawn(c, now, "seed", raw)
    stamp = format_time(now)
    for name in c.schema.get("properties") or {}:
        if name in item or name == c.id_field or name not in c.read_only:
            continue
        if name in c.created or name in c.modified:
            item[name] = stamp
        elif name in base:
            item[name] = base[name]
    return item


def _properties(c: Collection) -> list[tuple[str, dict[str, Any]]]:
    props = c.schema.get("properties") or {}
    return [
        (name, schema)
        for name, schema in props.items()
        if isinstance(schema, dict) and name != c.id_field and name not in c.write_only
    ]


def _unsent(item: dict[str, Any], name: str, schema: dict[str, Any], c: Collection, base: Mapping[str, Any]) -> None:
    """A writable field the body left out: its default, else what the schema needs (required: a realistic value,
    nullable: null), else nothing."""
    if "default" in schema:
        item[name] = schema["default"]
    elif name in c.required and name in base:
        item[name] = base[name]
    elif allows_null(schema):
        item[name] = None


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """A request value as the item holds it: a string that names an enum member but for case becomes that member
    (a request's `postgres` is the item's `POSTGRES`)."""
    enum = schema.get("enum")
    if isinstance(value, str) and isinstance(enum, list) and value not in enum:
        same = [m for m in enum if isinstance(m, str) and m.lower() == value.lower()]
        if len(same) == 1:
            return same[0]
    return value


def _repaired(
    c: Collection, item: dict[str, Any], fallback: Mapping[str, Any], keep: Container[str] | None = None
) -> dict[str, Any]:
    """Each field the item schema refuses takes the fallback's value, if it is one of `keep` (or goes); the required
    fields still missing are taken from the fallback too."""
    for name, value in list(item.items()):
        rule = c.properties.get(name)
        if rule is not None and not rule.compiled.is_valid(value):
            if (keep is None or name in keep) and name in fallback and rule.compiled.is_valid(fallback[name]):
                item[name] = fallback[name]
            else:
                del item[name]
    for name in c.required:
        if name not in item and name != c.id_field and name in fallback:
            item[name] = fallback[name]
    return item


class _Drawn(Mapping[str, Any]):
    """A realistic item of the collection (without its id), the same for the same parts, under the fields `given`,
    drawn when a field not given is first looked up: most writes fill every field from the body and the clock, and
    the draw would cost more than the rest of the write."""

    def __init__(self, c: Collection, now: float, *parts: Any, given: Mapping[str, Any] | None = None):
        self.c, self.now, self.parts, self.given = c, now, parts, given or {}
        self.drawn: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self.drawn is None:
            c = self.c
            rng = random.Random(_seed(c.name, *self.parts))
            drawn = realistic(c.schema, rng, self.now, c.validator, resolve=c.validator.resolve)
            self.drawn = {k: v for k, v in drawn.items() if k != c.id_field} if isinstance(drawn, dict) else {}
        return self.drawn

    def __getitem__(self, name: str) -> Any:
        return self.given[name] if name in self.given else self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._all(), **self.given})

    def __len__(self) -> int:
        return len({**self._all(), **self.given})


def _seed(*parts: Any) -> int:
    """The same request draws the same values, in every store and process."""
    key = json.dumps(parts, sort_keys=True, default=str)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
