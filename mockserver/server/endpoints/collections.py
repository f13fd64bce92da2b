"""A collection's operations, answered from the store, per session: create, list, retrieve, update, partial update,
delete and lookups (`spec/collections.py` says which operation does what).

Each is a `Behaviour` of the generic endpoint, which has already checked auth, parameters and body against the
document. A missing item is a 404 in the shape the operation documents; an update is a compare-and-swap, read again
when another request changed the item in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.pages import Page, page_links, page_of, window
from mockserver.mock import Mock
from mockserver.server.endpoints.generic import NO_BODY, Accepted, Behaviour
from mockserver.server.sessions import requested_session, session_named
from mockserver.spec.collections import Collection, Collections, Role
from mockserver.spec.contract import Operation
from mockserver.spec.items import id_key, merged, new_item, replaced, shaped
from mockserver.spec.validation import short
from mockserver.store.resources import MAX_RESOURCES, IdRule, Stored, over_budget

SWAP_ATTEMPTS = 20  # reads of an item that other requests keep changing, before the mock answers 409


def behaviours(collections: Collections) -> dict[str, Behaviour]:
    """Each collection operation's behaviour, by operation id."""
    return {op_id: partial(_KINDS[role.kind], role) for op_id, role in collections.roles.items()}


def session_of(mock: Mock, request: Accepted) -> str:
    """The request's session, read as every endpoint reads it (the header as UTF-8; not UTF-8 is a 400)."""
    return session_named(mock, requested_session(request.scope, mock.link_prefixes))


def item_key(c: Collection, raw: str) -> str:
    """The key a path's id names: `007` is item 7 where ids are integers, as the vendor's backend reads it."""
    return str(int(raw)) if c.id_kind == "integer" and raw.isascii() and raw.isdigit() else raw


def not_found(c: Collection, value: str, field: str | None = None) -> ApiError:
    return ApiError(
        404,
        f"{field or c.id_param}: {short(value)} names no {c.name} resource in this session (never created, or deleted)",
    )


async def get_item(mock: Mock, session: str, c: Collection, request: Accepted) -> Stored:
    raw = request.scope["path_params"][c.id_param]
    stored = await mock.store.resources.get(session, c.name, item_key(c, raw))
    if stored is None:
        raise not_found(c, raw)
    return stored


async def _create(role: Role, mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    c = role.collection
    now = mock.clock.now()
    item = new_item(c, op.filled.applied(request.body or {}), now)
    created = await mock.store.resources.create(session_of(mock, request), c.name, item, IdRule(c.id_field, c.id_kind))
    if created.stored is None:
        raise ApiError(409, over_budget(c.name))
    return op.success, _answer(role, op, created.stored.item, now)


def _answer(role: Role, op: Operation, item: dict[str, Any], now: float) -> Any:
    if role.shape == "item":
        return item
    answer = op.responses.get(op.success)
    return shaped(answer.schema, answer.validator, item, now) if answer is not None else NO_BODY


async def _retrieve(role: Role, mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    stored = await get_item(mock, session_of(mock, request), role.collection, request)
    return op.success, stored.item


async def _write(
    change: Callable[[Collection, dict[str, Any], dict[str, Any], float], dict[str, Any]],
    role: Role,
    mock: Mock,
    op: Operation,
    request: Accepted,
) -> tuple[int, Any]:
    c = role.collection
    session = session_of(mock, request)
    resources = mock.store.resources
    # The item as this process last saw it, if it did: the swap checks it (one store call instead of two).
    known = resources.known(session, c.name, item_key(c, request.scope["path_params"][c.id_param]))
    stored = known or await get_item(mock, session, c, request)
    for _ in range(SWAP_ATTEMPTS):
        new = change(c, stored.item, request.body or {}, mock.clock.now())
        key = id_key(stored.item[c.id_field])
        swapped = await resources.swap(session, c.name, key, stored.raw, new)
        if swapped.outcome == "swapped":
            return op.success, _answer(role, op, new, mock.clock.now())
        if swapped.outcome == "missing":
            raise not_found(c, request.scope["path_params"][c.id_param])
        if swapped.outcome == "full":
            raise ApiError(409, over_budget(c.name))
        stored = swapped.current or await get_item(mock, session, c, request)
    raise ApiError(409, f"{c.id_param}: the resource kept changing under other requests; send the update again")


async def _destroy(role: Role, mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    c = role.collection
    raw = request.scope["path_params"][c.id_param]
    if not await mock.store.resources.delete(session_of(mock, request), c.name, item_key(c, raw)):
        raise not_found(c, raw)
    return op.success, NO_BODY


async def _list(role: Role, mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    c = role.collection
    session = session_of(mock, request)
    resources = mock.store.resources
    if c.pagination is None:  # the list answers a plain array: every item
        return op.success, (await resources.page(session, c.name, 0, MAX_RESOURCES))[1]
    number, size = _one(request, c.pagination.page), _one(request, c.pagination.page_size)
    offset, limit = window(number, size)
    count, items = await resources.page(session, c.name, offset, limit)
    page = page_of(number, size, count, c.pagination.page or "page")  # a page past the end: 404
    return op.success, _page_answer(mock, c, request, items, page)


def _page_answer(mock: Mock, c: Collection, request: Accepted, items: list[Any], page: Page) -> Any:
    pagination = c.pagination
    assert pagination is not None
    scope = request.scope
    root = scope.get("root_path", "")
    path = scope["path"][len(root) :] if scope["path"].startswith(root) else scope["path"]
    following, preceding = page_links(mock.public_base(scope, request.headers.get("host")) + path, request.query, page)
    out: dict[str, Any] = dict(pagination.rest)
    if pagination.count:
        out[pagination.count] = page.count
    if pagination.next:
        out[pagination.next] = following
    if pagination.previous:
        out[pagination.previous] = preceding
    out[pagination.results] = items
    return out


def _one(request: Accepted, name: str | None) -> str | None:
    values = request.query.get(name) if name else None
    return values[0] if values else None


async def _lookup(role: Role, mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    """Items whose `role.field` equals the path parameter; one, all, or a page of them, as the answer holds."""
    c = role.collection
    assert role.param is not None and role.field is not None
    wanted = request.scope["path_params"][role.param]
    _, items = await mock.store.resources.page(session_of(mock, request), c.name, 0, MAX_RESOURCES)
    found = [item for item in items if role.field in item and id_key(item[role.field]) == wanted]
    if role.shape == "item":
        if not found:
            raise not_found(c, wanted, role.param)
        return op.success, found[0]
    if role.shape == "items":
        return op.success, found
    if c.pagination is None:
        return op.success, {"results": found}
    number, size = _one(request, c.pagination.page), _one(request, c.pagination.page_size)
    page = page_of(number, size, len(found), c.pagination.page or "page")
    return op.success, _page_answer(mock, c, request, found[page.offset : page.offset + page.size], page)


Kind = Callable[[Role, Mock, Operation, Accepted], Awaitable[tuple[int, Any]]]
_KINDS: dict[str, Kind] = {
    "create": _create,
    "retrieve": _retrieve,
    "update": partial(_write, replaced),
    "partial": partial(_write, merged),
    "destroy": _destroy,
    "list": _list,
    "lookup": _lookup,
}
