"""An operation the mock has no behaviour of its own for, answered from the document alone: its documented success
with a valid example or a realistic body (the same for the same request, dates on the mock's clock, readOnly fields
in and writeOnly ones out), Prism's Prefer header, and a resource its DELETE removed gone for the session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from mockserver.core.clock import parse_time
from tests.conftest import T0, ServeDocument, openapi

THING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string", "maxLength": 20},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
    },
    "required": ["id", "name", "created_at", "password"],
}
ID = {"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}
GONE = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


def json_answer(schema: dict[str, Any], **media: Any) -> dict[str, Any]:
    return {"description": "", "content": {"application/json": {"schema": schema, **media}}}


DOCUMENT = openapi(
    {
        "/things/": {
            "post": {
                "operationId": "things_create",
                "requestBody": {"required": True, "content": {"application/json": {"schema": THING}}},
                "responses": {"201": json_answer(THING)},
            }
        },
        "/things/{id}/": {
            "get": {
                "operationId": "things_retrieve",
                "parameters": [ID],
                "responses": {
                    "200": json_answer(THING),
                    "404": json_answer(GONE, examples={"gone": {"value": {"detail": "Not found."}}}),
                },
            },
            "delete": {
                "operationId": "things_destroy",
                "parameters": [ID],
                "responses": {"204": {"description": ""}, "404": json_answer(GONE)},
            },
        },
        "/things/{id}/parts/": {
            "get": {
                "operationId": "parts_list",
                "parameters": [ID],
                "responses": {"200": json_answer(THING), "404": json_answer(GONE)},
            }
        },
        "/things/{id}/notes/": {
            "get": {"operationId": "notes_list", "parameters": [ID], "responses": {"200": json_answer(THING)}}
        },
    }
)


@pytest.fixture
def client(serve_document: ServeDocument) -> httpx.Client:
    client = serve_document(DOCUMENT, clock=f"frozen:{T0}")
    client.headers["Authorization"] = "Bearer sk-test"
    return client


def test_the_same_request_gets_the_same_answer(client: httpx.Client) -> None:
    first = client.get("/things/1/")
    assert first.status_code == 200
    assert client.get("/things/1/").json() == first.json()
    assert client.get("/things/2/").json() != first.json()  # drawn anew for another request


def test_answers_follow_the_mocks_clock_and_the_response_view_of_the_schema(serve_document: ServeDocument) -> None:
    for when in ("2026-01-01T00:00:00Z", "2031-06-15T12:00:00Z"):
        thing = serve_document(DOCUMENT, clock=f"frozen:{when}").get("/things/1/").json()
        created = datetime.fromisoformat(thing["created_at"]).timestamp()
        assert parse_time(when) - 30 * 86400 <= created <= parse_time(when)  # a moment of the last thirty days
        assert isinstance(thing["id"], int) and "password" not in thing  # readOnly in, writeOnly out


def test_an_answer_drawn_once_follows_the_clock_when_it_moves(client: httpx.Client) -> None:
    # Drawn answers are kept per request and second of the mock's clock: moving the clock draws anew.
    before = client.get("/things/1/").json()
    assert client.post("/__mock/clock", json={"advance": 40 * 86400}).status_code == 200
    after = client.get("/things/1/").json()
    moved = datetime.fromisoformat(after["created_at"]).timestamp()
    assert moved > parse_time(T0) and after["created_at"] != before["created_at"]
    assert client.get("/things/1/").json() == after


def test_a_create_answers_its_documented_201(client: httpx.Client) -> None:
    answer = client.post("/things/", json={"name": "bolt", "password": "s3cret"})
    assert answer.status_code == 201 and set(answer.json()) == {"id", "name", "created_at"}
    missing = client.post("/things/")
    assert missing.status_code == 400
    assert missing.json() == {"error": "body: is required but missing; send a JSON object"}
    read_only = client.post("/things/", json={"password": "x"})  # readOnly fields are not asked of a request
    assert read_only.json() == {"error": "name: is required but missing"}


@pytest.mark.parametrize(
    ("prefer", "status", "body"),
    [
        pytest.param("code=404", 404, {"detail": "Not found."}, id="code"),
        pytest.param("example=gone", 404, {"detail": "Not found."}, id="example"),
        pytest.param("code=200", 200, None, id="code-of-the-success"),
        pytest.param("dynamic=true", 200, None, id="dynamic"),
    ],
)
def test_prefer_chooses_among_the_documented_answers(
    client: httpx.Client, prefer: str, status: int, body: dict[str, Any] | None
) -> None:
    answer = client.get("/things/1/", headers={"Prefer": prefer})
    assert answer.status_code == status
    if body is not None:
        assert answer.json() == body
    else:
        assert set(answer.json()) <= {"id", "name", "created_at"} and "password" not in answer.json()
    unknown = client.get("/things/1/", headers={"Prefer": "code=418"})
    assert unknown.status_code == 400 and unknown.json()["error"].endswith("documented: 200, 404, 400")


def test_a_204_has_no_body(client: httpx.Client) -> None:
    answer = client.delete("/things/3/")
    assert answer.status_code == 204 and answer.content == b"" and "content-type" not in answer.headers


def test_a_deleted_resource_is_gone_for_the_session(client: httpx.Client) -> None:
    assert client.delete("/things/3/").status_code == 204
    gone = client.get("/things/3/")
    assert gone.status_code == 404  # in the shape the operation documents for it
    assert gone.json() == {"detail": 'path: "/things/3/" names a resource deleted in this session'}
    assert client.get("/things/3/parts/").status_code == 404  # and everything under it
    assert client.delete("/things/3/").status_code == 404
    assert client.get("/things/30/").status_code == 200
    assert client.get("/things/3/", headers={"X-Mock-Session": "other"}).status_code == 200
    # An operation that documents no 404 cannot say "gone": it answers from the document, as Prism does.
    assert client.get("/things/3/notes/").status_code == 200


def test_reset_brings_a_deleted_resource_back(client: httpx.Client) -> None:
    client.delete("/things/4/")
    assert client.post("/__mock/reset", json={}).status_code == 200
    assert client.get("/things/4/").status_code == 200
