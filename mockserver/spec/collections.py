"""Collections, recognised once at start-up from the document's structure alone (no path of any vendor is named here).

A collection is a path `P` whose GET lists items (a page `{count, next, previous, results: [item]}` as Django REST
Framework answers, or a plain array of items) and an item path `P{param}/` (or `P/{param}`) whose GET answers one
item; the item's schema is that answer's. Around them:

- `POST P` creates an item; so does a POST at a literal path below `P` (say `P/add/`) whose answer *is* the item
  schema;
- `PUT`, `PATCH` and `DELETE` on the item path replace, merge into and delete an item;
- a GET at `P<literal>/{param}/` (say `P/source/{source_id}/`) that answers items is a lookup, filtering on the item
  field named like the parameter, or else on the item's only other `*_id` field of the parameter's type;
- every other operation under `P` stays generic, and `notes` says why.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.spec.contract import Contract, Operation
from mockserver.spec.generate import GenerationError, realistic
from mockserver.spec.shape import Resolve, deref, kind_of
from mockserver.spec.validation import BodyValidator, compile_body_validator, fragment_validator

# Conventional names (not any vendor's) of the timestamps a server keeps: the first set once, the second on every write.
MODIFIED_NAMES = frozenset({"last_modified", "updated_at", "modified_at", "modified", "updated", "date_modified"})
PAGE_PARAMETER = "page"  # Django REST Framework's PageNumberPagination names
PAGE_SIZE_PARAMETER = "page_size"
_TEMPLATE = re.compile(r"{([^{}/]+)}")
_ITEM_METHODS = {"GET": "retrieve", "PUT": "update", "PATCH": "partial", "DELETE": "destroy"}


@dataclass(frozen=True)
class Pagination:
    """The names of a paginated list answer's fields, and of the list's query parameters (None: not documented)."""

    results: str
    count: str | None
    next: str | None
    previous: str | None
    page: str | None
    page_size: str | None
    # The page's other required fields (`{"total": 3, "results": [...]}` wants a total), each with a valid value
    # drawn once: a page holds them whatever it lists.
    rest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    name: str  # the collection path's last literal segment: what seeds, the admin API and the handle call it
    path: str
    item_path: str
    id_param: str  # the item path's parameter
    id_field: str  # the item property it names
    id_kind: str  # "integer", "string" or "uuid": how sequential ids are written
    schema: dict[str, Any]  # the item, as an answer sees it (references inlined)
    validator: BodyValidator
    properties: dict[str, BodyValidator]  # each property's own validator, to repair one field at a time
    read_only: frozenset[str]
    write_only: frozenset[str]
    created: frozenset[str]  # read-only date-times set when the item is made
    modified: frozenset[str]  # read-only date-times moved on every write
    pagination: Pagination | None  # None: the list answers a plain array

    @property
    def required(self) -> frozenset[str]:
        return frozenset(self.schema.get("required") or ())


@dataclass(frozen=True)
class Role:
    """What one operation does to a collection."""

    collection: Collection
    kind: str  # list, create, retrieve, update, partial, destroy or lookup
    shape: str = "item"  # create and lookup answers: "item", "items" (an array), "page", or "other" (shaped from it)
    param: str | None = None  # lookup: the path parameter
    field: str | None = None  # lookup: the item property it filters on


@dataclass
class Collections:
    by_name: dict[str, Collection] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)  # operation id -> its role
    notes: list[str] = field(default_factory=list)  # how lookups filter, and what stays generic and why

    def of(self, name: str) -> Collection:
        return self.by_name[name]


def find_collections(contract: Contract) -> Collections:
    found = Collections()
    operations = list(contract.operations.values())
    by_path = {  # the vendor's own operations, from the contract's one route table
        route.template: {method: op for method, op in route.operations.items() if not op.mock}
        for route in contract.routes.paths
    }
    for item_path, item_ops in sorted(by_path.items()):
        retrieve = item_ops.get("GET")
        base = _collection_path(item_path)
        if retrieve is None or base is None:
            continue
        list_path = next((p for p in _spellings(base) if "GET" in by_path.get(p, {})), None)
        if list_path is None:
            continue
        collection = _collection(contract, found, list_path, item_path, by_path[list_path]["GET"], retrieve)
        if collection is None:
            continue
        found.by_name[collection.name] = collection
        found.roles[by_path[list_path]["GET"].operation_id] = Role(collection, "list")
        if "POST" in by_path[list_path]:
            create = by_path[list_path]["POST"]
            found.roles[create.operation_id] = Role(collection, "create", _shape(collection, _answer_schema(create)))
        for method, kind in _ITEM_METHODS.items():
            if method in item_ops:  # an update may answer another shape than the item (visma.com: an array)
                shape = (
                    _shape(collection, _answer_schema(item_ops[method])) if kind in ("update", "partial") else "item"
                )
                found.roles[item_ops[method].operation_id] = Role(collection, kind, shape)
        _around(collection, [op for op in operations if not op.mock], found)
    return found


def _collection_path(item_path: str) -> str | None:
    """`/a/b/{id}/` → `/a/b/`; None unless the last segment is a template and nothing before it is."""
    parts = item_path.rstrip("/").split("/")
    if len(parts) < 3 or not _TEMPLATE.fullmatch(parts[-1]) or _TEMPLATE.search("/".join(parts[:-1])):
        return None
    return "/".join(parts[:-1]) + "/"


def _spellings(base: str) -> tuple[str, ...]:
    return (base, base.rstrip("/"))


def _collection(
    contract: Contract, found: Collections, list_path: str, item_path: str, lister: Operation, retrieve: Operation
) -> Collection | None:
    schema = _answer_schema(retrieve)
    props = (schema or {}).get("properties")
    if schema is None or not isinstance(props, dict):
        return None
    query = frozenset(p.name for p in lister.parameters if p.location == "query")
    pagination = _pagination(_answer_schema(lister), schema, query)
    if pagination is None and _shape_of_list(_answer_schema(lister), schema) != "items":
        return None  # the GET on the collection path does not list these items
    if pagination is not None:
        pagination = replace(pagination, rest=_page_rest(lister, pagination))
    id_param = _TEMPLATE.findall(item_path)[-1]
    id_field = id_param if id_param in props else "id" if "id" in props else None
    if id_field is None:
        found.notes.append(f"{item_path}: no item property is named {id_param!r} or 'id'; its operations stay generic")
        return None
    if retrieve.answer(404) is None:  # state needs a way to say "not here", and only the document can give one
        found.notes.append(
            f"{item_path}: GET documents no 404 for an item it does not hold; its operations stay generic"
        )
        return None
    name = list_path.rstrip("/").rsplit("/", 1)[-1]
    if name in found.by_name:
        name = list_path.strip("/")
    id_schema = props[id_field] if isinstance(props[id_field], dict) else {}
    kind = (
        "integer" if id_schema.get("type") == "integer" else "uuid" if id_schema.get("format") == "uuid" else "string"
    )
    id_rule = fragment_validator(contract.schemas, id_schema, "response")
    if id_rule.errors(id_value(kind, 1)):  # ids are numbered 1, 2, 3... as the schema types them
        found.notes.append(
            f"{item_path}: its ids cannot be numbered as {id_field}'s schema asks; its operations stay generic"
        )
        return None
    flagged = {flag: frozenset(n for n, p in props.items() if isinstance(p, dict) and p.get(flag)) for flag in _FLAGS}
    dates = frozenset(n for n in flagged["readOnly"] if _is_date_time(props[n]))
    validator = next(a.validator for s, a in retrieve.responses.items() if s == retrieve.success)
    assert validator is not None
    return Collection(
        name=name,
        path=list_path,
        item_path=item_path,
        id_param=id_param,
        id_field=id_field,
        id_kind=kind,
        schema=schema,
        validator=validator,
        properties={
            n: fragment_validator(contract.schemas, p, "response") for n, p in props.items() if isinstance(p, dict)
        },
        read_only=flagged["readOnly"] | {id_field},
        write_only=flagged["writeOnly"],
        created=frozenset(n for n in dates if n not in MODIFIED_NAMES),
        modified=frozenset(n for n in dates if n in MODIFIED_NAMES),
        pagination=pagination,
    )


_FLAGS = ("readOnly", "writeOnly")


def id_value(kind: str, number: int) -> int | str:
    """The `number`-th id of a collection, written as its schema types ids (the Redis store writes the same)."""
    if kind == "integer":
        return number
    if kind == "uuid":
        return str(uuid.UUID(int=number))
    return str(number)


def _is_date_time(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "string" and schema.get("format") == "date-time"


def _answer_schema(op: Operation) -> dict[str, Any] | None:
    """The success answer's schema, its properties followed to what their `$ref`s point at (an item's fields)."""
    answer = op.responses.get(op.success)
    if answer is None or answer.schema is None or answer.validator is None:
        return None
    resolve = answer.validator.resolve
    props = answer.schema.get("properties")
    if not isinstance(props, dict):
        items = answer.schema.get("items")
        return {**answer.schema, "items": _answer_item(items, resolve)} if isinstance(items, dict) else answer.schema
    return {**answer.schema, "properties": {n: _answer_item(p, resolve) for n, p in props.items()}}


def _answer_item(schema: Any, resolve: Resolve | None) -> Any:
    """A property or items schema followed to what its `$ref` points at, and, for an array, its items too."""
    schema = deref(schema, resolve)
    if isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        items = deref(schema["items"], resolve)
        props = items.get("properties") if isinstance(items, dict) else None
        if isinstance(props, dict):
            items = {**items, "properties": {n: deref(p, resolve) for n, p in props.items()}}
        return {**schema, "items": items}
    return schema


def _pagination(answer: dict[str, Any] | None, item: dict[str, Any], query: frozenset[str]) -> Pagination | None:
    """The list answer's page fields, when it is an object holding an array of the items; `query` names the list's
    query parameters."""
    props = (answer or {}).get("properties") or {}
    results = next((n for n, p in props.items() if isinstance(p, dict) and p.get("items") == item), None)
    if results is None:
        return None
    return Pagination(
        results=results,
        count=next((n for n in _COUNT_NAMES if _typed(props.get(n), "integer")), None),
        next="next" if _typed(props.get("next"), "string") else None,
        previous="previous" if _typed(props.get("previous"), "string") else None,
        page=PAGE_PARAMETER if PAGE_PARAMETER in query else None,
        page_size=PAGE_SIZE_PARAMETER if PAGE_SIZE_PARAMETER in query else None,
    )


_COUNT_NAMES = ("count", "total")  # Django REST Framework's, and HubSpot's and others'


def _page_rest(lister: Operation, pagination: Pagination) -> dict[str, Any]:
    answer = lister.responses[lister.success]
    assert answer.schema is not None and answer.validator is not None
    own = {pagination.results, pagination.count, pagination.next, pagination.previous}
    wanted = [n for n in answer.schema.get("required") or () if n not in own]
    if not wanted:
        return {}
    try:
        page = realistic(answer.schema, random.Random(0), 0.0, answer.validator, resolve=answer.validator.resolve)
    except GenerationError:
        return {}  # the page's own fields are answered all the same
    return {n: page[n] for n in wanted if isinstance(page, dict) and n in page}


def _typed(schema: Any, kind: str) -> bool:
    return kind_of(schema) == kind


def _shape_of_list(schema: dict[str, Any] | None, item: dict[str, Any]) -> str:
    return "items" if schema == {"type": "array", "items": item} else "other"


def _shape(collection: Collection, schema: dict[str, Any] | None) -> str:
    """What an answer holds, relative to the collection's item."""
    if schema == collection.schema:
        return "item"
    if _shape_of_list(schema, collection.schema) == "items":
        return "items"
    if schema is not None and _pagination(schema, collection.schema, frozenset()) is not None:
        return "page"
    return "other"


def _around(collection: Collection, operations: Iterable[Operation], found: Collections) -> None:
    """Creators and lookups at other paths under the collection's; the rest is noted as generic."""
    for op in operations:
        if op.operation_id in found.roles or not op.path.startswith(collection.path) or op.path == collection.path:
            continue
        rest = op.path[len(collection.path) :]
        params = _TEMPLATE.findall(rest)
        where = f"{op.method} {op.path} ({op.operation_id})"
        shape = _shape(collection, _answer_schema(op))
        if op.method == "POST" and not params and shape == "item":
            found.roles[op.operation_id] = Role(collection, "create", "item")
            found.notes.append(f"{where}: creates {collection.name}, whose item schema it answers")
        elif op.method == "GET" and len(params) == 1 and not rest.startswith("{") and shape != "other":
            param = params[0]
            wanted = next((p for p in op.parameters if p.location == "path" and p.name == param), None)
            target = _filter_field(collection, param, wanted.kind if wanted else None)
            if target is None:
                found.notes.append(f"{where}: cannot tell which {collection.name} field {{{param}}} names; generic")
                continue
            found.roles[op.operation_id] = Role(collection, "lookup", shape, param, target)
            found.notes.append(
                f"{where}: {collection.name} whose {target} equals {{{param}}}"
                + (", the first of them (the document answers one item)" if shape == "item" else "")
            )
        else:
            found.notes.append(f"{where}: not tied to the {collection.name} collection; generic")


def _filter_field(collection: Collection, param: str, kind: str | None) -> str | None:
    props = collection.schema.get("properties") or {}
    if param in props and param != collection.id_field:
        return param
    candidates = [
        name
        for name, schema in props.items()
        if name.endswith("_id") and name != collection.id_field and (kind is None or _typed(schema, kind))
    ]
    return candidates[0] if len(candidates) == 1 else None


def bare_collection(name: str) -> Collection:
    """A collection the document does not have, kept by the mock for its own use: items with an integer id only."""
    id_schema = {"type": "integer", "readOnly": True}
    schema = {"type": "object", "properties": {"id": id_schema}, "required": ["id"]}
    return Collection(
        name=name,
        path="",
        item_path="",
        id_param="id",
        id_field="id",
        id_kind="integer",
        schema=schema,
        validator=compile_body_validator(schema, "response"),
        properties={"id": compile_body_validator(id_schema, "response")},
        read_only=frozenset({"id"}),
        write_only=frozenset(),
        created=frozenset(),
        modified=frozenset(),
        pagination=None,
    )
