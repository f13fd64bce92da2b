"""Collections of the vendor's 2025-08-18 document, remembered per session on both stores."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.config import KeyPolicy, Settings
from mockserver.core.clock import Clock, format_time, parse_time
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.store import memory_resources, redis_resources
from tests.conftest import AUTH, SPEC_2025, T0, ServeDocument, openapi
from tests.redis_server import RedisServer

KB = "/api/v1/knowledge-base/"
ENTRY = {"content": "Revenue is net of refunds.", "connection_id": 1}


@pytest.fixture
def settings() -> Settings:
    return Settings(clock=f"frozen:{T0}", spec=SPEC_2025, api_keys={"sk-test": KeyPolicy()})


def conforms(mock: Mock, operation: str, r: httpx.Response) -> None:
    """The answer is one the served document allows for this operation."""
    body = r.json() if r.content else None
    assert mock.contract.operation(operation).check_response(r.status_code, body) == [], r.text


async def test_a_create_answers_the_request_with_the_read_only_fields_filled(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    first = await client.post(KB, json=ENTRY, headers=AUTH)
    second = await client.post(KB, json={**ENTRY, "id": 99, "created_at": "1999-01-01T00:00:00Z"}, headers=AUTH)
    assert first.status_code == second.status_code == 201
    assert first.json() == {**ENTRY, "id": 1, "created_at": T0, "last_modified": T0}
    assert second.json()["id"] == 2 and second.json()["created_at"] == T0  # read-only fields are the mock's
    assert next(iter(first.json())) == "id"  # first, as Django REST Framework writes it
    conforms(mock, "knowledge_base_create", first)


async def test_retrieve_update_and_partial_update_follow_the_clock(client: httpx.AsyncClient, clock: Clock) -> None:
    await client.post(KB, json=ENTRY, headers=AUTH)
    clock.advance(60)
    later = format_time(parse_time(T0) + 60)
    put = await client.put(f"{KB}1/", json={"content": "Replaced", "connection_id": 2}, headers=AUTH)
    assert put.json() == {"id": 1, "content": "Replaced", "connection_id": 2, "created_at": T0, "last_modified": later}
    clock.advance(60)
    patched = await client.patch(f"{KB}1/", json={"content": "Patched"}, headers=AUTH)
    latest = format_time(parse_time(T0) + 120)
    assert patched.json() == {**put.json(), "content": "Patched", "last_modified": latest}
    assert (await client.get(f"{KB}1/", headers=AUTH)).json() == patched.json()
    assert (await client.get(f"{KB}001/", headers=AUTH)).json() == patched.json()  # as Django reads an integer


async def test_after_a_delete_every_item_operation_is_a_404_in_the_documented_shape(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    await client.post(KB, json=ENTRY, headers=AUTH)
    await client.post("/api/v1/sources/add/", json={"account_name": "db", "type": "POSTGRES"}, headers=AUTH)
    assert (await client.delete(f"{KB}1/", headers=AUTH)).status_code == 204
    assert (await client.delete("/api/v1/sources/1/", headers=AUTH)).status_code == 204
    for method, body, operation in [
        ("GET", None, "knowledge_base_retrieve"),
        ("PUT", ENTRY, "knowledge_base_update"),
        ("PATCH", {"content": "x"}, "knowledge_base_partial_update"),
        ("DELETE", None, "knowledge_base_destroy"),
    ]:
        r = await client.request(method, f"{KB}1/", json=body, headers=AUTH)
        assert r.status_code == 404 and r.json() == {
            "error": 'id: "1" names no knowledge-base resource in this session (never created, or deleted)'
        }
        conforms(mock, operation, r)
    gone = await client.get("/api/v1/sources/1/", headers=AUTH)
    assert gone.status_code == 404 and set(gone.json()) == {"detail"}  # sources document DRF's {"detail": ...}
    conforms(mock, "sources_retrieve", gone)


async def test_lists_page_as_django_rest_framework_does(client: httpx.AsyncClient, mock: Mock) -> None:
    empty = await client.get(KB, headers=AUTH)
    assert empty.json() == {"count": 0, "next": None, "previous": None, "results": []}
    for n in range(25):
        await client.post(KB, json={**ENTRY, "content": f"entry {n}"}, headers=AUTH)
    first = (await client.get(KB, headers=AUTH)).json()
    assert first["count"] == 25 and len(first["results"]) == 20 and first["previous"] is None
    assert first["next"] == "http://mock.test/api/v1/knowledge-base/?page=2"
    second = await client.get(first["next"], headers=AUTH)
    assert [e["id"] for e in second.json()["results"]] == [21, 22, 23, 24, 25]
    assert second.json()["previous"] == "http://mock.test/api/v1/knowledge-base/" and second.json()["next"] is None
    conforms(mock, "knowledge_base_list", second)
    middle = (await client.get(KB, params={"page": 2, "page_size": 10}, headers=AUTH)).json()
    assert middle["next"].endswith("/knowledge-base/?page=3&page_size=10")
    assert middle["previous"].endswith("/knowledge-base/?page_size=10")
    assert len((await client.get(KB, params={"page_size": 1000}, headers=AUTH)).json()["results"]) == 25
    past = await client.get(KB, params={"page": 3}, headers=AUTH)
    assert past.status_code == 404
    assert past.json() == {"error": "page: 3 is past the last page, 2 (25 resources in all, 20 to a page)"}
    zero = await client.get(KB, params={"page": 0}, headers=AUTH)
    assert zero.status_code == 404 and zero.json()["error"] == "page: 0 is not a page; pages count from 1"
    word = await client.get(KB, params={"page": "last"}, headers=AUTH)
    assert word.status_code == 400 and "query.page" in word.json()["error"]


async def test_the_page_size_is_capped(client: httpx.AsyncClient) -> None:
    for n in range(101):
        await client.post(KB, json={**ENTRY, "content": f"entry {n}"}, headers=AUTH)
    page = (await client.get(KB, params={"page_size": 500}, headers=AUTH)).json()
    assert len(page["results"]) == 100 and page["next"].endswith("?page=2&page_size=500")


async def test_sessions_do_not_share_resources(client: httpx.AsyncClient) -> None:
    await client.post(KB, json=ENTRY, headers={**AUTH, "X-Mock-Session": "a"})
    assert (await client.get(KB, headers={**AUTH, "X-Mock-Session": "b"})).json()["count"] == 0
    made = await client.post(KB, json=ENTRY, headers={**AUTH, "X-Mock-Session": "b"})
    assert made.json()["id"] == 1


async def test_a_body_the_document_refuses_changes_nothing(client: httpx.AsyncClient) -> None:
    r = await client.post(KB, json={"content": ""}, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["error"] == 'connection_id: is required but missing; content: "" is shorter than 1 character'
    assert (await client.get(KB, headers=AUTH)).json()["count"] == 0
    assert (await client.post(KB, json=ENTRY)).status_code == 401


async def test_sources_made_three_ways_land_in_one_collection(client: httpx.AsyncClient, mock: Mock) -> None:
    body = {"type": "postgres", "hostname": "db", "username": "u", "password": "p", "database_name": "d"}
    made = await client.post("/api/v1/sources/", json=body, headers=AUTH)
    assert made.status_code == 200 and made.json() == {"id": 1}  # the document's AddConnectionResponse
    conforms(mock, "sources_create", made)
    source = (await client.get("/api/v1/sources/1/", headers=AUTH)).json()
    # The request's `postgres` is the item's POSTGRES; the default account name is the request schema's.
    assert source["type"] == "POSTGRES" and source["account_name"] == "PostgreSQL" and "password" not in source
    legacy = await client.post("/api/v1/sources/add/", json={"account_name": "old", "type": "MYSQL"}, headers=AUTH)
    assert legacy.json()["id"] == 2 and legacy.json()["type"] == "MYSQL"
    kind = await client.post("/api/v1/sources/add/mysql/", json={**body, "type": "mysql"}, headers=AUTH)
    assert kind.status_code == 200  # answers only {"id"}: not tied to the collection, generic
    assert (await client.get("/api/v1/sources/", headers=AUTH)).json()["count"] == 2
    renamed = await client.patch("/api/v1/sources/2/", json={"account_name": "new"}, headers=AUTH)
    assert renamed.json()["account_name"] == "new" and renamed.json()["type"] == "MYSQL"


async def test_a_source_lookup_answers_the_first_entry_for_that_source(client: httpx.AsyncClient) -> None:
    for content, source in [("a", 1), ("b", 2), ("c", 2)]:
        await client.post(KB, json={"content": content, "connection_id": source}, headers=AUTH)
    found = await client.get(f"{KB}source/2/", headers=AUTH)
    assert found.status_code == 200 and found.json()["content"] == "b"
    none = await client.get(f"{KB}source/3/", headers=AUTH)
    assert none.status_code == 404 and 'source_id: "3" names no knowledge-base resource' in none.json()["error"]


async def test_reference_queries_get_every_read_only_field(client: httpx.AsyncClient, mock: Mock) -> None:
    r = await client.post("/api/v1/reference-queries/", json={"query": "select 1", "connection_id": 4}, headers=AUTH)
    assert r.status_code == 201 and r.json()["id"] == 1 and r.json()["title"] is None
    assert {"status", "detailed_description", "error_message", "created_at", "last_modified"} <= set(r.json())
    conforms(mock, "reference_queries_create", r)


async def test_a_full_collection_refuses_with_a_409_naming_the_budget(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (memory_resources, redis_resources):
        monkeypatch.setattr(module, "MAX_RESOURCES", 2)
    assert [(await client.post(KB, json=ENTRY, headers=AUTH)).status_code for _ in range(3)] == [201, 201, 409]
    refused = await client.post(KB, json=ENTRY, headers=AUTH)
    assert "knowledge-base: this session's collection is full" in refused.json()["error"]
    await client.delete(f"{KB}1/", headers=AUTH)
    assert (await client.post(KB, json=ENTRY, headers=AUTH)).status_code == 201


async def test_prefer_still_picks_a_documented_answer_without_touching_state(client: httpx.AsyncClient) -> None:
    r = await client.post(KB, json=ENTRY, headers={**AUTH, "Prefer": "code=201, dynamic=true"})
    assert r.status_code == 201
    assert (await client.get(KB, headers=AUTH)).json()["count"] == 0


SEQUENCE: list[tuple[str, str, Any]] = [
    ("POST", KB, ENTRY),
    ("POST", KB, {"content": "second", "connection_id": 2}),
    ("PATCH", f"{KB}1/", {"content": "patched"}),
    ("PUT", f"{KB}2/", {"content": "put", "connection_id": 3}),
    ("GET", f"{KB}?page_size=1&page=2", None),
    ("DELETE", f"{KB}1/", None),
    ("GET", f"{KB}1/", None),
    ("POST", "/api/v1/reference-queries/", {"query": "select 2", "connection_id": 2}),
    ("POST", "/api/v1/sources/", {"type": "snowflake", "account": "a", "user": "u"}),
    ("GET", "/api/v1/sources/1/", None),
    ("POST", "/api/v1/ask_camel", {"message": "Orders by month?", "source_id": 1}),
    ("PATCH", "/api/v1/threads/1/", {"title": "Monthly orders"}),
    ("GET", "/api/v1/threads/", None),
    ("GET", "/api/v1/threads/1/messages", None),
    ("DELETE", "/api/v1/threads/1/", None),
    ("GET", "/api/v1/threads/1/messages", None),
    ("GET", f"{KB}source/3/", None),
]


@pytest.mark.redis
async def test_memory_and_redis_answer_the_same_sequence_the_same_way(
    settings: Settings, redis_server: RedisServer, store_prefix: str
) -> None:
    answers = []
    for store in ("memory", redis_server.url):
        mock = build_mock(settings.with_overrides(store=store, store_prefix=store_prefix))
        transport = httpx.ASGITransport(app=create_app(mock))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.test", headers=AUTH) as c:
            seen = []
            for method, path, body in SEQUENCE:
                r = await c.request(method, path, json=body)
                seen.append((r.status_code, r.json() if r.content else None))
            answers.append(seen)
        await mock.store.close()
    assert answers[0] == answers[1]
    assert [status for status, _ in answers[0]] == [
        201,
        201,
        200,
        200,
        200,
        204,
        404,
        201,
        200,
        200,
        200,
        200,
        200,
        200,
        204,
        404,
        200,
    ]


async def test_a_utf8_session_name_keeps_its_resources_in_the_session_the_admin_api_names(
    client: httpx.AsyncClient,
) -> None:
    team = {"X-Mock-Session": "équipe-€".encode()}  # sent as UTF-8 bytes, as a client's header carries them
    assert (await client.post(KB, json=ENTRY, headers={**AUTH, **team})).status_code == 201
    assert (await client.get(KB, headers=AUTH)).json()["count"] == 0  # not the default session's
    kept = await client.get("/__mock/resources/knowledge-base", headers=team)
    assert [r["content"] for r in kept.json()["resources"]] == [ENTRY["content"]]
    latin1 = await client.post(KB, json=ENTRY, headers={**AUTH, "X-Mock-Session": b"\xe9quipe"})
    assert latin1.status_code == 400 and "X-Mock-Session" in latin1.json()["error"]


def test_a_page_carries_the_other_fields_its_schema_requires(serve_document: ServeDocument) -> None:
    # hubapi.com/cms (APIs.guru): a list answer that requires `total` beside `results` was answered `{"results": []}`.
    widget = {
        "type": "object",
        "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
        "required": ["id", "name"],
    }
    page = {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}},
            "total": {"type": "integer", "format": "int32"},
            "paging": {"type": "object", "properties": {"after": {"type": "string"}}, "required": ["after"]},
            "kind": {"type": "string", "enum": ["widgets"]},
        },
        "required": ["results", "total", "kind"],
    }

    def answering(ref: str, status: str = "200") -> dict[str, Any]:
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
        return {status: {"description": "", "content": content}, "404": {"description": "not here"}}

    item = [{"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}]
    create = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}, "required": True}
    client = serve_document(
        openapi(
            {
                "/widgets": {
                    "get": {"operationId": "list", "responses": answering("Page")},
                    "post": {"operationId": "create", "requestBody": create, "responses": answering("Widget", "201")},
                },
                "/widgets/{id}": {"get": {"operationId": "get", "parameters": item, "responses": answering("Widget")}},
            },
            components={"schemas": {"Widget": widget, "Page": page}},
        )
    )
    assert client.post("/widgets", json={"name": "w"}).status_code == 201
    listed = client.get("/widgets").json()
    assert listed == {"kind": "widgets", "total": 1, "results": [{"id": 1, "name": "w"}]}


def test_an_update_answers_the_shape_its_operation_documents(serve_document: ServeDocument) -> None:
    # visma.com (APIs.guru): a PATCH documented as answering an array was answered the item itself.
    widget = {
        "type": "object",
        "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
        "required": ["id", "name"],
    }
    ref = {"$ref": "#/components/schemas/Widget"}

    def answering(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
        return {
            status: {"description": "", "content": {"application/json": {"schema": schema}}},
            "404": {"description": "not here"},
        }

    item = [{"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}]
    body = {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}
    listed = {"type": "array", "items": ref}
    client = serve_document(
        openapi(
            {
                "/widgets": {
                    "get": {"operationId": "list", "responses": answering(listed)},
                    "post": {"operationId": "create", "requestBody": body, "responses": answering(ref, "201")},
                },
                "/widgets/{id}": {
                    "parameters": item,
                    "get": {"operationId": "get", "responses": answering(ref)},
                    "patch": {"operationId": "patch", "requestBody": body, "responses": answering(listed)},
                },
            },
            components={"schemas": {"Widget": widget}},
        )
    )
    assert client.post("/widgets", json={"name": "w"}).status_code == 201
    patched = client.patch("/widgets/1", json={"name": "v"})
    assert patched.status_code == 200 and isinstance(patched.json(), list)
    assert client.get("/widgets/1").json() == {"id": 1, "name": "v"}
