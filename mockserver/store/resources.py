"""Resources: the items of each collection, per session, and the messages some of them hold (a thread's).

Each operation is one atomic step (one Lua script on Redis). Items are kept as JSON text in the order they were made;
an update is a compare-and-swap on that text, so two processes updating one item never lose a write. Ids are
numbered by the store, one sequence per collection and session, written as the collection's schema types them.

Budget, per collection and session: `MAX_RESOURCES` items and `MAX_BYTES` of JSON (items and their messages), each
message list its newest `MAX_MESSAGES`. A create or update past it is refused (409), never a growing process.

Seed data: each session's collection starts as the seeds given at start-up (`--seed-data`), the first time anything
touches it, and again after the session's reset.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

MAX_RESOURCES = 1_000
MAX_BYTES = 8 * 1024 * 1024
MAX_MESSAGES = 200  # a user message and its reply count as two


@dataclass(frozen=True)
class IdRule:
    """How the store writes a new item's id: the field, and `integer`, `string` or `uuid`."""

    field: str
    kind: str


@dataclass(frozen=True)
class Stored:
    """An item as stored: its value, and its JSON text, which an update must still find to replace it."""

    item: dict[str, Any]
    raw: str


@dataclass(frozen=True)
class Created:
    outcome: str  # "created", "exists" (the unique key's item was already there) or "full" (over the budget)
    stored: Stored | None


@dataclass(frozen=True)
class Swapped:
    outcome: str  # "swapped", "missing" (no such item), "changed" (not the text expected: see `current`) or "full"
    messages: list[dict[str, Any]]  # the messages appended, with their ids
    current: Stored | None = None  # when "changed": the item as it is now, to try again from without reading it


# A collection's starting content: (key, place in the sequence, item), as spec/items.numbered() gives them.
Seed = list[tuple[str, int, dict[str, Any]]]


class Resources(Protocol):
    seeds: dict[str, Seed]  # by collection name; set once at start-up

    async def create(
        self, session: str, collection: str, item: dict[str, Any], ids: IdRule, unique: str | None = None
    ) -> Created:
        """Number and keep `item` (which has no id yet). With `unique`, a second create under that key finds the
        first item instead, while it lives."""
        ...

    async def get(self, session: str, collection: str, key: str) -> Stored | None: ...
    def known(self, session: str, collection: str, key: str) -> Stored | None:
        """Where an update may start without reading the item first: the item as this process last saw it (a shared
        store's guess, which `swap` checks: "changed" brings the item as it is), or None when it saw none."""
        ...

    async def find(self, session: str, collection: str, unique: str) -> Stored | None:
        """The living item created under `unique`, if any."""
        ...

    async def swap(
        self,
        session: str,
        collection: str,
        key: str,
        old: str,
        new: dict[str, Any],
        messages: list[dict[str, Any]] | None = None,
    ) -> Swapped:
        """Replace the item if it is still `old` (its JSON text), appending `messages` (numbered per item)."""
        ...

    async def delete(self, session: str, collection: str, key: str) -> bool: ...
    async def page(self, session: str, collection: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """How many items there are, and `limit` of them from `offset`, oldest first."""
        ...

    async def messages(self, session: str, collection: str, key: str) -> list[dict[str, Any]] | None:
        """The item's messages, oldest first; None when there is no such item."""
        ...

    async def replace(self, session: str, collection: str, items: Seed) -> None:
        """The collection becomes exactly `items` (empty: emptied); the sequence goes on from the highest place."""
        ...


def over_budget(collection: str) -> str:
    return (
        f"{collection}: this session's collection is full: the mock keeps at most {MAX_RESOURCES} resources and "
        f"{MAX_BYTES // 1024 // 1024} MiB of JSON per collection and session; delete some, or reset the session"
    )


_LONG_NUMBER = re.compile(r"[0-9]{19}")  # JSON digits are ASCII: a narrower class, a third faster


def load_item(raw: str) -> dict[str, Any]:
    """A stored item or message; integers beyond 64 bits (which orjson would read as floats) by the stdlib."""
    value: dict[str, Any] = json.loads(raw) if _LONG_NUMBER.search(raw) else orjson.loads(raw)
    return value
