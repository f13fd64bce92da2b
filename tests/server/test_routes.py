from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Match

from mockserver.config import Settings
from mockserver.mock import Mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, SPEC_2025, ServeDocument, answers, openapi


def concrete(template: str) -> str:
    return re.sub(r"{[^{}/]+}", "1", template)


def test_every_documented_operation_reaches_its_own_endpoint(mock: Mock) -> None:
    # One route holds the whole contract; each operation's path, its parameters filled, reaches that operation's
    # endpoint and no other path's template. The admin API's own operations likewise.
    assert mock.admin is not None
    app = create_app(mock)
    for contract, route in ((mock.contract, app.routes[0]), (mock.admin, app.routes[1])):
        for operation in contract.operations.values():
            scope = {"type": "http", "method": operation.method, "path": concrete(operation.path)}
            match, child = route.matches(scope)
            assert match is Match.FULL and child["endpoint"].operation_id == operation.operation_id, operation.path


async def test_a_wrong_method_is_a_405_naming_every_method_the_path_takes(client: httpx.AsyncClient) -> None:
    r = await client.delete("/api/v1/iframe/create", headers=AUTH)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert r.json() == {"error": "DELETE /api/v1/iframe/create: method not allowed; this path accepts POST"}


@pytest.fixture
def settings() -> Settings:
    return Settings(clock="frozen:2026-01-01T00:00:00Z", spec=SPEC_2025)


@pytest.mark.parametrize(
    ("method", "path", "meant"),
    [
        pytest.param("POST", "/api/v1/knowledge-base", "POST /api/v1/knowledge-base/", id="slash-missing"),
        pytest.param("GET", "/api/v1/threads/7", "GET /api/v1/threads/7/", id="slash-missing-template"),
        pytest.param("POST", "/v1/knowledge-base/", "POST /api/v1/knowledge-base/", id="prefix-missing"),
        pytest.param("GET", "/__mock/requests/", "GET /__mock/requests", id="admin-slash"),
    ],
)
async def test_a_near_miss_is_a_404_naming_the_documented_path_never_an_empty_redirect(
    client: httpx.AsyncClient, method: str, path: str, meant: str
) -> None:
    r = await client.request(method, path, headers=AUTH, json={})
    assert r.status_code == 404
    assert r.json() == {"error": f"{method} {path}: no such endpoint on this mock; did you mean {meant}?"}


async def test_a_path_near_nothing_points_at_the_document(client: httpx.AsyncClient) -> None:
    r = await client.get("/favicon.ico")
    assert r.status_code == 404
    assert r.json() == {"error": "GET /favicon.ico: no such endpoint on this mock (see /openapi.json)"}


def test_a_repeated_template_parameter_is_served_with_a_start_up_warning(serve_document: ServeDocument) -> None:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}} for name in ("id", "n")]
    document = openapi(
        {"/anything/{id}/{n}/{id}": {"get": {"operationId": "act", "parameters": parameters, "responses": answers()}}}
    )
    client = serve_document(document)
    warnings = client.get("/openapi.json").json()["x-mock-warnings"]
    assert any(
        "GET /anything/{id}/{n}/{id} (act): the path parameter {id} appears more than once" in w for w in warnings
    )
    assert client.get("/anything/3/4/3", headers=AUTH).status_code == 200
    refused = client.get("/anything/x/4/x", headers=AUTH)
    assert refused.status_code == 400 and "id" in refused.json()["error"]
    assert client.get("/anything/3/4/5", headers=AUTH).status_code == 404
