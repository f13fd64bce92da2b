from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.spec.contract import load_contract
from mockserver.spec.routes import RouteTable, near_miss
from tests.conftest import SPEC_2025, answers, openapi


def table_of(tmp_path: Path, paths: dict[str, Any]) -> RouteTable:
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(openapi(paths)))
    return load_contract(spec, mock=False).routes


def op(operation_id: str, *params: str) -> dict[str, Any]:
    parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
    return {"operationId": operation_id, "parameters": parameters, "responses": answers()}


@pytest.fixture(scope="module")
def vendor() -> RouteTable:
    return load_contract(SPEC_2025).routes


def test_literal_segments_are_tried_before_templated_ones(vendor: RouteTable) -> None:
    # /sources/add/ would match /sources/{id}/ too; the literal one wins, whatever the document's order.
    found = vendor.find("POST", "/api/v1/sources/add/")
    assert found.operation is not None and found.operation.path == "/api/v1/sources/add/"
    found = vendor.find("GET", "/api/v1/sources/12/")
    assert found.operation is not None and found.operation.path == "/api/v1/sources/{id}/"
    assert found.path_params == {"id": "12"}
    order = [route.template for route in vendor.paths]
    assert order.index("/api/v1/sources/add/") < order.index("/api/v1/sources/{id}/")


def test_head_is_answered_as_get_and_a_wrong_method_names_what_the_path_takes(vendor: RouteTable) -> None:
    get = vendor.find("GET", "/api/v1/threads/")
    head = vendor.find("HEAD", "/api/v1/threads/")
    assert head.operation is get.operation is not None
    wrong = vendor.find("PUT", "/api/v1/threads/")
    assert wrong.operation is None and wrong.allowed == ("GET", "HEAD")
    assert vendor.find("GET", "/nowhere").allowed == ()


def test_a_template_parameter_may_be_any_name_openapi_allows(tmp_path: Path) -> None:
    table = table_of(tmp_path, {"/users/{user-id}/files/{name}.json": {"get": op("get_file", "user-id", "name")}})
    found = table.find("GET", "/users/u-1/files/report.json")
    assert found.operation is not None and found.path_params == {"user-id": "u-1", "name": "report"}
    assert table.find("GET", "/users/u-1/files/report.xml").operation is None


def test_a_parameter_repeated_in_a_template_is_a_warning_and_each_repeat_must_hold_the_first_value(
    tmp_path: Path,
) -> None:
    # Found in a real-world document: Starlette's compile_path raised "Duplicated param name id" at start-up.
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(openapi({"/anything/{id}/{action}/{id}": {"get": op("act", "id", "action")}})))
    contract = load_contract(spec, mock=False)
    assert [w for w in contract.warnings if "more than once" in w] == [
        "GET /anything/{id}/{action}/{id} (act): the path parameter {id} appears more than once in the template; "
        "served, each repeat must hold the same value as the first"
    ]
    found = contract.routes.find("GET", "/anything/7/go/7")
    assert found.operation is not None and found.path_params == {"id": "7", "action": "go"}
    assert contract.routes.find("GET", "/anything/7/go/8").operation is None


@pytest.mark.parametrize(
    ("method", "path", "meant"),
    [
        pytest.param("POST", "/api/v1/knowledge-base", "POST /api/v1/knowledge-base/", id="slash-missing"),
        pytest.param("POST", "/api/v1/iframe/create/", "POST /api/v1/iframe/create", id="slash-extra"),
        pytest.param("GET", "/api/v1/sources/12", "GET /api/v1/sources/12/", id="slash-missing-template"),
        pytest.param("POST", "/v1/knowledge-base/", "POST /api/v1/knowledge-base/", id="prefix-missing"),
        pytest.param("POST", "/knowledge-base", "POST /api/v1/knowledge-base/", id="prefix-and-slash-missing"),
        pytest.param("GET", "/api/v1/api/v1/threads/3/", "GET /api/v1/threads/3/", id="prefix-twice"),
        pytest.param("GET", "/api/v1/knowledge_base/", "GET /api/v1/knowledge-base/", id="misspelt"),
        pytest.param("GET", "/api/v1/threads", "GET /api/v1/threads/", id="list-slash"),
        pytest.param("GET", "/api/v1/recommendations/", "POST /api/v1/recommendations", id="other-method"),
    ],
)
def test_a_near_miss_names_the_documented_path(vendor: RouteTable, method: str, path: str, meant: str) -> None:
    assert near_miss(vendor, method, path) == meant


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/favicon.ico", id="unrelated"),
        pytest.param("GET", "/12", id="a-lone-value"),
        pytest.param("GET", "/x/y/z/12/", id="values-only-in-common"),
        pytest.param("GET", "/api/v1/" + "a" * 5000, id="very-long"),
        # /iframe/{cache_key}/ would fit with `create` as the key, but not with DELETE: the method is what is wrong
        pytest.param("DELETE", "/api/v1/iframe/create", id="wrong-method-only"),
    ],
)
def test_a_path_near_nothing_gets_no_hint(vendor: RouteTable, method: str, path: str) -> None:
    assert near_miss(vendor, method, path) is None
