"""`MemoryResources`: collections kept in this process's memory, per session, within the budget of `resources.py`."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.json_codec import dumps
from mockserver.store.resources import (
    MAX_BYTES,
    MAX_MESSAGES,
    MAX_RESOURCES,
    Created,
    IdRule,
    Seed,
    Stored,
    Swapped,
    load_item,
)

SESSIONS = 256  # sessions whose collections are kept, least recently written dropped first (as MemoryStore's)


def id_text(kind: str, number: int) -> str:
    """The key of the `number`-th item: what `collections.id_value` writes, as a path carries it."""
    return f"00000000-0000-0000-0000-{number:012x}" if kind == "uuid" else str(number)


def numbered_json(field_name: str, value: str, body: str) -> str:
    """`body` (a JSON object without the field) with `"field": value` first, as the Redis store splices it."""
    return "{" + dumps(field_name).decode() + ":" + value + ("}" if body == "{}" else "," + body[1:])


def _size(text: str) -> int:
    return len(text.encode())


@dataclass
class _Collection:
    items: dict[str, str] = field(default_factory=dict)  # key -> JSON, oldest first
    places: dict[str, int] = field(default_factory=dict)
    top: int = 0  # the highest place given so far
    size: int = 0  # bytes of JSON held: items and messages
    unique: dict[str, str] = field(default_factory=dict)
    messages: dict[str, OrderedDict[int, str]] = field(default_factory=dict)  # key -> number -> JSON


class MemoryResources:
    def __init__(self) -> None:
        self.seeds: dict[str, Seed] = {}
        self._sessions: OrderedDict[str, dict[str, _Collection]] = OrderedDict()

    def _collection(self, session: str, name: str, write: bool) -> _Collection:
        """A session's collection, seeded on first use; a read of an untouched, unseeded one creates nothing."""
        collections = self._sessions.get(session)
        if collections is None:
            if not write and name not in self.seeds:
                return _Collection()
            collections = self._sessions[session] = {}
            if len(self._sessions) > SESSIONS:
                self._sessions.popitem(last=False)
        elif write:
            self._sessions.move_to_end(session)
        found = collections.get(name)
        if found is None:
            found = collections[name] = _Collection()
            self._fill(found, self.seeds.get(name, []))
        return found

    @staticmethod
    def _fill(c: _Collection, items: Seed) -> None:
        c.items, c.places, c.unique, c.messages = {}, {}, {}, {}
        for key, place, item in sorted(items, key=lambda entry: entry[1]):
            c.items[key] = dumps(item).decode()
            c.places[key] = place
        c.top = max([c.top, *c.places.values()])
        c.size = sum(_size(raw) for raw in c.items.values())

    async def create(
        self, session: str, collection: str, item: dict[str, Any], ids: IdRule, unique: str | None = None
    ) -> Created:
        c = self._collection(session, collection, write=True)
        if unique is not None and c.unique.get(unique) in c.items:
            raw = c.items[c.unique[unique]]
            return Created("exists", Stored(load_item(raw), raw))
        if len(c.items) >= MAX_RESOURCES:
            return Created("full", None)
        place = c.top + 1
        while id_text(ids.kind, place) in c.items:
            place += 1
        key = id_text(ids.kind, place)
        raw = numbered_json(ids.field, key if ids.kind == "integer" else dumps(key).decode(), dumps(item).decode())
        if c.size + _size(raw) > MAX_BYTES:
            return Created("full", None)
        c.items[key], c.places[key], c.top = raw, place, place
        c.size += _size(raw)
        if unique is not None:
            c.unique[unique] = key
        return Created("created", Stored(load_item(raw), raw))

    async def get(self, session: str, collection: str, key: str) -> Stored | None:
        raw = self._collection(session, collection, write=False).items.get(key)
        return Stored(load_item(raw), raw) if raw is not None else None

    def known(self, session: str, collection: str, key: str) -> Stored | None:
        raw = self._collection(session, collection, write=False).items.get(key)
        return Stored(load_item(raw), raw) if raw is not None else None

    async def find(self, session: str, collection: str, unique: str) -> Stored | None:
        c = self._collection(session, collection, write=False)
        key = c.unique.get(unique)
        raw = c.items.get(key) if key is not None else None
        return Stored(load_item(raw), raw) if raw is not None else None

    async def swap(
        self,
        session: str,
        collection: str,
        key: str,
        old: str,
        new: dict[str, Any],
        messages: list[dict[str, Any]] | None = None,
    ) -> Swapped:
        c = self._collection(session, collection, write=True)
        current = c.items.get(key)
        if current is None:
            return Swapped("missing", [])
        if current != old:
            return Swapped("changed", [], Stored(load_item(current), current))
        raw = dumps(new).decode()
        held = c.messages.get(key) or OrderedDict()
        number = next(reversed(held), 0)
        added = [numbered_json("id", str(number + i), dumps(m).decode()) for i, m in enumerate(messages or (), 1)]
        kept = [*held.items(), *((number + i, text) for i, text in enumerate(added, 1))][-MAX_MESSAGES:]
        size = c.size - _size(current) + _size(raw)
        size += sum(_size(text) for _, text in kept) - sum(_size(text) for text in held.values())
        if size > MAX_BYTES:
            return Swapped("full", [])
        c.items[key], c.size = raw, size
        if added:
            c.messages[key] = OrderedDict(kept)
        return Swapped("swapped", [load_item(text) for text in added])

    async def delete(self, session: str, collection: str, key: str) -> bool:
        c = self._collection(session, collection, write=True)
        raw = c.items.pop(key, None)
        if raw is None:
            return False
        c.places.pop(key, None)
        c.size -= _size(raw) + sum(_size(text) for text in (c.messages.pop(key, None) or {}).values())
        return True

    async def page(self, session: str, collection: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        c = self._collection(session, collection, write=False)
        raws = list(c.items.values())[offset : offset + limit] if limit > 0 else []
        return len(c.items), [load_item(raw) for raw in raws]

    async def messages(self, session: str, collection: str, key: str) -> list[dict[str, Any]] | None:
        c = self._collection(session, collection, write=False)
        if key not in c.items:
            return None
        return [load_item(text) for text in (c.messages.get(key) or {}).values()]

    async def replace(self, session: str, collection: str, items: Seed) -> None:
        self._fill(self._collection(session, collection, write=True), items)

    def holds(self, session: str) -> bool:
        """Whether the session keeps any collection's items (so `MemoryStore` counts it as holding something live)."""
        return any(c.items for c in self._sessions.get(session, {}).values())

    def reset(self, session: str) -> None:
        self._sessions.pop(session, None)
