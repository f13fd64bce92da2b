"""The collections' resources through the admin API (`/__mock/resources`), and the same powers for the pytest
handle: list the collections, read, replace and empty one, per session."""

from __future__ import annotations

from typing import Any

from mockserver.core.camelai import CAMELAI
from mockserver.core.errors import ApiError
from mockserver.core.json_codec import dumps
from mockserver.mock import Mock
from mockserver.spec.collections import Collection
from mockserver.spec.items import ItemError, numbered
from mockserver.store.resources import MAX_BYTES, MAX_MESSAGES, MAX_RESOURCES, over_budget


def collection_named(mock: Mock, name: str) -> Collection:
    found = mock.collections.by_name.get(name)
    if found is None:
        known = ", ".join(sorted(mock.collections.by_name)) or "none in this document"
        raise ApiError(404, f"collection: {name[:60]!r} is not a collection of the document (its collections: {known})")
    return found


async def everything(mock: Mock, session: str, name: str) -> list[dict[str, Any]]:
    c = collection_named(mock, name)
    return (await mock.store.resources.page(session, c.name, 0, MAX_RESOURCES))[1]


async def one(mock: Mock, session: str, name: str, key: str) -> dict[str, Any] | None:
    c = collection_named(mock, name)
    stored = await mock.store.resources.get(session, c.name, key)
    return stored.item if stored is not None else None


async def replace(mock: Mock, session: str, name: str, items: list[Any]) -> list[dict[str, Any]]:
    """The collection becomes `items` (checked, read-only fields filled); an ApiError(400) names each problem."""
    c = collection_named(mock, name)
    try:
        entries = numbered(c, items, mock.clock.now(), "resources")
    except ItemError as exc:
        raise ApiError(400, str(exc)) from None
    if len(entries) > MAX_RESOURCES or sum(len(dumps(item)) for _, _, item in entries) > MAX_BYTES:
        raise ApiError(409, over_budget(c.name))
    await mock.store.resources.replace(session, c.name, entries)
    return [item for _, _, item in entries]


async def catalogue(mock: Mock, session: str) -> dict[str, Any]:
    """The collections, what each operation does, this session's counts, and the notes on the rest."""
    shown = []
    for c in mock.collections.by_name.values():
        count, _ = await mock.store.resources.page(session, c.name, 0, 0)
        shown.append(
            {
                "name": c.name,
                "path": c.path,
                "item_path": c.item_path,
                "id": {"field": c.id_field, "kind": c.id_kind},
                "operations": {op: role.kind for op, role in mock.collections.roles.items() if role.collection is c},
                "count": count,
            }
        )
    special = {op: what for op, what in CAMELAI.operations().items() if op in mock.contract.operations}
    notes = [note for note in mock.collections.notes if not any(f"({op})" in note for op in special)]
    notes += [f"{op}: {what}" for op, what in special.items()]
    budget = {"resources": MAX_RESOURCES, "bytes": MAX_BYTES, "messages": MAX_MESSAGES}
    return {"collections": shown, "notes": notes, "budget": budget}
