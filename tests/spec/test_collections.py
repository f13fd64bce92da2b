"""Collections recognised from a document's structure: the vendor's 2025 document, and documents the mock never saw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockserver.spec.collections import find_collections
from mockserver.spec.contract import load_contract
from tests.conftest import SPEC_2025


def test_the_2025_document_has_four_collections_and_says_what_stays_generic() -> None:
    found = find_collections(load_contract(SPEC_2025))
    assert sorted(found.by_name) == ["knowledge-base", "reference-queries", "sources", "threads"]
    kb = found.of("knowledge-base")
    assert (kb.path, kb.item_path, kb.id_field, kb.id_kind) == (
        "/api/v1/knowledge-base/",
        "/api/v1/knowledge-base/{id}/",
        "id",
        "integer",
    )
    assert kb.created == {"created_at"} and kb.modified == {"last_modified"}
    assert kb.pagination is not None and kb.pagination.page == "page" and kb.pagination.results == "results"
    roles = {op: (r.collection.name, r.kind) for op, r in found.roles.items()}
    assert roles["threads_partial_update"] == ("threads", "partial")
    assert roles["sources_add_create"] == ("sources", "create")  # it answers the item schema
    assert "sources_add_mysql_create" not in roles  # it answers only {"id"}
    assert "threads_create" not in roles and found.roles["sources_create"].shape == "other"
    lookup = found.roles["knowledge_base_source_retrieve"]
    assert (lookup.kind, lookup.param, lookup.field, lookup.shape) == ("lookup", "source_id", "connection_id", "item")
    notes = "\n".join(found.notes)
    assert "knowledge-base whose connection_id equals {source_id}, the first of them" in notes
    assert "(sources_update_config_partial_update): not tied to the sources collection; generic" in notes


def document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def answer(ref: str, status: str = "200") -> dict[str, Any]:
    """Responses answering `ref`, and the 404 that lets the mock say an item is not there."""
    content = {"application/json": {"schema": {"$ref": ref}}}
    return {"responses": {status: {"description": "", "content": content}, "404": {"description": "no such item"}}}


WIDGET = {
    "type": "object",
    "properties": {
        "uuid": {"type": "string", "format": "uuid", "readOnly": True},
        "name": {"type": "string"},
        "owner_id": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    },
    "required": ["uuid", "name"],
}


def load(tmp_path: Path, doc: dict[str, Any]) -> Any:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    return find_collections(load_contract(path, mock=False))


def test_a_new_vendors_collection_is_recognised_the_same_way(tmp_path: Path) -> None:
    item_param = [{"in": "path", "name": "uuid", "required": True, "schema": {"type": "string"}}]
    owner_param = [{"in": "path", "name": "owner", "required": True, "schema": {"type": "integer"}}]
    doc = document(
        {
            "/v2/widgets": {
                "get": {"operationId": "list", **answer("#/components/schemas/WidgetList")},
                "post": {"operationId": "make", **answer("#/components/schemas/Widget", "201")},
            },
            "/v2/widgets/{uuid}": {
                "get": {"operationId": "read", "parameters": item_param, **answer("#/components/schemas/Widget")},
                "delete": {"operationId": "drop", "parameters": item_param, "responses": {"204": {"description": ""}}},
            },
            "/v2/widgets/by-owner/{owner}": {
                "get": {"operationId": "mine", "parameters": owner_param, **answer("#/components/schemas/WidgetList")},
            },
            "/v2/widgets/{uuid}/audit": {"get": {"operationId": "audit", "parameters": item_param, "responses": {}}},
        },
        {"Widget": WIDGET, "WidgetList": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}},
    )
    found = load(tmp_path, doc)
    widgets = found.of("widgets")
    assert (widgets.path, widgets.id_field, widgets.id_kind, widgets.pagination) == (
        "/v2/widgets",
        "uuid",
        "uuid",
        None,
    )
    assert widgets.modified == {"updated_at"} and widgets.created == frozenset()
    assert {op: r.kind for op, r in found.roles.items()} == {
        "list": "list",
        "make": "create",
        "read": "retrieve",
        "drop": "destroy",
        "mine": "lookup",
    }
    assert found.roles["mine"].field == "owner_id" and found.roles["mine"].shape == "items"
    assert any("(audit): not tied to the widgets collection" in note for note in found.notes)


def test_paths_that_do_not_list_their_items_are_not_collections(tmp_path: Path) -> None:
    param = [{"in": "path", "name": "key", "required": True, "schema": {"type": "string"}}]
    other = {"type": "object", "properties": {"total": {"type": "integer"}}}
    doc = document(
        {
            "/stats/": {"get": {"operationId": "stats", **answer("#/components/schemas/Other")}},
            "/stats/{key}/": {
                "get": {"operationId": "stat", "parameters": param, **answer("#/components/schemas/Widget")}
            },
            "/a/{a}/b/{key}/": {"get": {"operationId": "nested", "parameters": param, "responses": {}}},
        },
        {"Widget": WIDGET, "Other": other},
    )
    found = load(tmp_path, doc)
    assert found.by_name == {} and found.roles == {}


# A list of widgets: a collection when an item path's GET answers one of them.
WIDGET_LIST = {
    "/v2/widgets": {
        "get": {
            "operationId": "list",
            "responses": {
                "200": {
                    "description": "",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}}
                        }
                    },
                }
            },
        }
    }
}


def test_a_collection_whose_item_get_documents_no_404_stays_generic(tmp_path: Path) -> None:
    """Keeping state needs a way to say an item is not there; a document that lists no 404 (nor 4XX or default) for
    its item GET gives none, so those operations answer statelessly from the document, as Prism does."""
    item_param = [{"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}}]
    only_200 = {
        "200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}}
    }
    doc = document(
        {
            **WIDGET_LIST,
            "/v2/widgets/{uuid}": {"get": {"operationId": "get", "parameters": item_param, "responses": only_200}},
        },
        {"Widget": WIDGET},
    )
    found = load(tmp_path, doc)
    assert found.by_name == {}
    assert found.notes == [
        "/v2/widgets/{uuid}: GET documents no 404 for an item it does not hold; its operations stay generic"
    ]


def test_a_collection_whose_ids_cannot_be_numbered_stays_generic(tmp_path: Path) -> None:
    """Items are numbered 1, 2, 3...: an id schema that refuses those (a 32-character key, say) keeps it generic."""
    widget = {
        **WIDGET,
        "properties": {**WIDGET["properties"], "uuid": {"type": "string", "minLength": 32, "readOnly": True}},
    }
    item_param = [{"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}}]
    doc = document(
        {
            **WIDGET_LIST,
            "/v2/widgets/{uuid}": {
                "get": {"operationId": "get", "parameters": item_param, **answer("#/components/schemas/Widget")}
            },
        },
        {"Widget": widget},
    )
    found = load(tmp_path, doc)
    assert found.by_name == {}
    assert found.notes == [
        "/v2/widgets/{uuid}: its ids cannot be numbered as uuid's schema asks; its operations stay generic"
    ]
