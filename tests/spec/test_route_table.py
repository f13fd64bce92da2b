from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.spec.contract import load_contract
from mockserver.spec.routes import RouteTable, near_miss
from tests.conftest import SPEC_2025, ServeDocument, answers, openapi


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


def test_a_template_with_literal_text_beside_its_parameter_is_tried_first(tmp_path: Path) -> None:
    # Google's custom methods (hundreds of APIs.guru documents): `/v1/{name}` matched `/v1/x:cancel` too, and was
    # tried first, so the custom method's parameters were never checked.
    table = table_of(
        tmp_path,
        {"/v1/{name}": {"get": op("get", "name")}, "/v1/{name}:cancel": {"get": op("cancel", "name")}},
    )
    cancel = table.find("GET", "/v1/job-1:cancel")
    assert cancel.operation is not None and cancel.operation.operation_id == "cancel"
    assert cancel.path_params == {"name": "job-1"}
    assert table.operation_id("GET", "/v1/job-1") == "get"


def test_two_parameters_side_by_side_split_where_the_listed_values_allow(tmp_path: Path) -> None:
    # healthcare.gov's `/blog/{pageName}{mediaTypeExtension}` with the extension's enum [".json"]: `0.json` split as
    # `0.jso` and `n`, and the valid request was refused.
    parameters = [
        {"name": "pageName", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "ext", "in": "path", "required": True, "schema": {"type": "string", "enum": [".json", ".json.gz"]}},
    ]
    blog = {"get": {"operationId": "blog", "parameters": parameters, "responses": answers()}}
    table = table_of(tmp_path, {"/blog/{pageName}{ext}": blog})
    assert table.find("GET", "/blog/about.json").path_params == {"pageName": "about", "ext": ".json"}
    assert table.find("GET", "/blog/a.b.json.gz").path_params == {"pageName": "a.b", "ext": ".json.gz"}
    assert table.find("GET", "/blog/about.xml").operation is None


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


def test_query_keys_in_a_template_tell_operations_on_one_path_apart(tmp_path: Path) -> None:
    # As AWS's documents write them (APIs.guru holds 8,127 such templates in 339 documents): the request's path never
    # holds `#` or `?`, so these operations were reachable by no request at all.
    table = table_of(
        tmp_path,
        {
            "/tags/{arn}": {"get": op("list_tags", "arn"), "post": op("tag", "arn")},
            "/tags/{arn}#tagKeys": {"delete": op("untag", "arn")},
            "/{Bucket}": {"get": op("list_objects", "Bucket")},
            "/{Bucket}?list-type=2": {"get": op("list_objects_v2", "Bucket")},
            "/{Bucket}?uploads": {"get": op("list_uploads", "Bucket")},
        },
    )
    untag = table.find("DELETE", "/tags/a1", b"tagKeys=k")
    assert untag.operation is not None and untag.operation.operation_id == "untag"
    assert untag.path_params == {"arn": "a1"}
    assert table.find("DELETE", "/tags/a1").operation is untag.operation  # alone on its method: no query needed
    assert table.find("PUT", "/tags/a1").allowed == ("DELETE", "GET", "HEAD", "POST")

    def chosen(query: str) -> str | None:
        return table.operation_id("GET", "/b1", query)

    assert chosen("") == "list_objects"
    assert chosen("list-type=2&prefix=x") == "list_objects_v2"
    assert chosen("list-type=1") == "list_objects"  # the value is part of the key
    assert chosen("uploads") == "list_uploads"
    assert table.operation_id("HEAD", "/b1", b"uploads") == "list_uploads"


def test_aws_keys_in_a_template_may_name_a_header_and_no_operation_is_unmarked(tmp_path: Path) -> None:
    # AWS's JSON protocol: every operation is `POST /#X-Amz-Target=<Service.Operation>`, told apart by that header.
    table = table_of(
        tmp_path,
        {
            "/#X-Amz-Target=Svc.Alloc": {"post": op("alloc")},
            "/#X-Amz-Target=Svc.Free": {"post": op("free")},
            "/#Action=DeleteAlarms": {"get": op("delete_alarms")},
        },
    )
    assert table.operation_id("POST", "/", b"", [(b"x-amz-target", b"Svc.Free")]) == "free"
    assert table.operation_id("POST", "/", b"", [(b"x-amz-target", b"Svc.Alloc")]) == "alloc"
    assert table.operation_id("POST", "/") == "alloc"  # none carried: the first, whose header check names the key
    assert table.operation_id("GET", "/", "Action=DeleteAlarms&Version=2010-08-01") == "delete_alarms"


def test_two_operations_no_request_can_tell_apart_are_a_warning_naming_both(tmp_path: Path) -> None:
    table = table_of(tmp_path, {"/x": {"get": op("first")}, "/x#": {"get": op("second")}})
    assert table.operation_id("GET", "/x") == "first"
    [warning] = table.warnings
    assert "GET /x# (second)" in warning and "GET /x (first)" in warning


def test_an_operation_on_a_query_keyed_template_is_served_and_checked_as_documented(
    tmp_path: Path, serve_document: ServeDocument
) -> None:
    # Its schemas sit under a pointer holding `#`, which must be escaped in the validator's URI: else every parameter
    # of such an operation was "not usable" and let through unchecked.
    keys = {
        "name": "tagKeys",
        "in": "query",
        "required": True,
        "schema": {"type": "array", "items": {"type": "integer"}},
    }
    untag = {**op("untag", "arn"), "parameters": [*op("untag", "arn")["parameters"], keys]}
    document = openapi({"/tags/{arn}": {"get": op("list_tags", "arn")}, "/tags/{arn}#tagKeys": {"delete": untag}})
    spec = tmp_path / "aws.json"
    spec.write_text(json.dumps(document))
    assert load_contract(spec, mock=False).warnings == []
    client = serve_document(document)
    assert client.delete("/tags/a1", params={"tagKeys": "3"}).status_code == 200
    refused = client.delete("/tags/a1", params={"tagKeys": "x"})
    assert refused.status_code == 400 and "query.tagKeys[0]" in refused.text


def test_templates_differing_only_in_parameter_names_are_a_warning_naming_both(tmp_path: Path) -> None:
    # visma.com documents /v1/localization/countries/{code2} and .../{code3}; OpenAPI calls them one path.
    table = table_of(
        tmp_path,
        {"/countries/{code2}": {"get": op("two", "code2")}, "/countries/{code3}": {"get": op("three", "code3")}},
    )
    assert table.warnings == [
        "GET /countries/{code3} (three): no request can tell it from GET /countries/{code2} (two), which answers for"
        " both (the templates differ only in their parameters' names)"
    ]
    found = table.find("GET", "/countries/fra")
    assert found.operation is not None and found.operation.operation_id == "two"
