"""Parameters in each location, read from their strings and checked against their schema: a wrong value or a
missing required one is a 400 that names the field (`path.id`, `query.page`, ...), the value and the rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ServeDocument, answers, openapi


def integer(location: str, name: str) -> dict[str, Any]:
    return {"in": location, "name": name, "required": True, "schema": {"type": "integer", "minimum": 1}}


DOCUMENT = openapi(
    {
        "/things/{id}": {
            "get": {
                "operationId": "thing_get",
                "parameters": [
                    integer("path", "id"),
                    integer("query", "page"),
                    integer("header", "X-Page-Size"),
                    integer("cookie", "tenant"),
                    {"in": "query", "name": "tags", "schema": {"type": "array", "items": {"type": "integer"}}},
                ],
                "responses": answers(),
            }
        }
    }
)
GOOD = {"path": "7", "query": "2", "header": "50", "cookie": "3"}
HEADERS = {"X-Page-Size": "50", "Cookie": "tenant=3"}


def call(client: httpx.Client, **values: str | None) -> httpx.Response:
    """GET /things/{id} with every parameter valid but those in `values` (None: not sent)."""
    sent = {**GOOD, **values}
    query = {"page": sent["query"]} if sent["query"] is not None else {}
    headers = {"X-Page-Size": sent["header"]} if sent["header"] is not None else {}
    if sent["cookie"] is not None:
        headers["Cookie"] = f"tenant={sent['cookie']}"
    return client.get(f"/things/{sent['path']}", params=query, headers=headers)


@pytest.fixture
def client(serve_document: ServeDocument) -> httpx.Client:
    return serve_document(DOCUMENT)


def test_valid_parameters_in_every_location_are_accepted(client: httpx.Client) -> None:
    answer = call(client)
    assert answer.status_code == 200 and isinstance(answer.json()["id"], int)


@pytest.mark.parametrize(
    ("location", "field"),
    [
        pytest.param("path", "path.id", id="path"),
        pytest.param("query", "query.page", id="query"),
        pytest.param("header", "header.x-page-size", id="header"),
        pytest.param("cookie", "cookie.tenant", id="cookie"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field_and_the_value(
    client: httpx.Client, location: str, field: str
) -> None:
    answer = call(client, **{location: "abc"})
    assert answer.status_code == 400
    assert answer.json() == {"error": f'{field}: "abc" is not of type "integer"'}
    below = call(client, **{location: "0"})  # read as the integer it is, then checked against the minimum
    assert below.status_code == 400
    assert below.json() == {"error": f"{field}: 0 is less than the minimum of 1"}


@pytest.mark.parametrize(
    ("location", "field"),
    [
        pytest.param("query", "query.page", id="query"),
        pytest.param("header", "header.x-page-size", id="header"),
        pytest.param("cookie", "cookie.tenant", id="cookie"),
    ],
)
def test_a_missing_required_parameter_is_a_400_naming_it(client: httpx.Client, location: str, field: str) -> None:
    answer = call(client, **{location: None})
    assert answer.status_code == 400 and answer.json() == {"error": f"{field}: is required but missing"}


def test_every_broken_parameter_is_named_at_once(client: httpx.Client) -> None:
    answer = call(client, path="x", query=None, cookie="y")
    assert answer.status_code == 400
    assert answer.json()["error"].split("; ") == [
        'path.id: "x" is not of type "integer"',
        "query.page: is required but missing",
        'cookie.tenant: "y" is not of type "integer"',
    ]


def test_a_query_array_is_read_from_repeated_keys_and_each_item_checked(client: httpx.Client) -> None:
    ok = client.get("/things/7", params={"page": "1", "tags": ["1", "2"]}, headers=HEADERS)
    assert ok.status_code == 200
    bad = client.get("/things/7", params={"page": "1", "tags": ["1", "z"]}, headers=HEADERS)
    assert bad.status_code == 400 and bad.json() == {"error": 'query.tags[1]: "z" is not of type "integer"'}
