from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from mockserver.spec.contract import DEFAULT_SPEC, ContractError, load_contract, strip_mock_additions
from mockserver.spec.shape import shape_of
from tests.conftest import ServeDocument, openapi

ROOT = Path(__file__).parents[2]
VENDOR = ROOT / "contracts" / "vendor" / "iframe-create.openapi.yaml"


def test_removing_mock_additions_gives_back_the_vendor_block() -> None:
    ours = yaml.safe_load(DEFAULT_SPEC.read_text())
    assert strip_mock_additions(ours) == yaml.safe_load(VENDOR.read_text())


def test_vendor_copy_is_the_vendor_document() -> None:
    vendor = yaml.safe_load(VENDOR.read_text())
    assert vendor["openapi"] == "3.0.3"
    assert vendor["paths"]["/api/v1/iframe/create"]["post"]["operationId"] == "iframe_create_create"
    # Where the vendor's page is at hand (the team's workspace and CI), the copy is its block to the byte.
    seed = ROOT.parent / "shared" / "seeds" / "001_63c568a36e857e92.txt"
    if seed.exists():
        block = seed.read_text().split("````yaml", 1)[1].split("\n", 1)[1].split("````", 1)[0]
        assert block == VENDOR.read_text()


def test_every_addition_is_marked() -> None:
    ours = yaml.safe_load(DEFAULT_SPEC.read_text())
    vendor = yaml.safe_load(VENDOR.read_text())
    added_paths = set(ours["paths"]) - set(vendor["paths"])
    assert added_paths, "the mock documents its own endpoints"
    assert all(ours["paths"][p].get("x-mock") is True for p in added_paths)
    added_schemas = set(ours["components"]["schemas"]) - set(vendor["components"]["schemas"])
    assert all(ours["components"]["schemas"][s].get("x-mock") is True for s in added_schemas)


def test_strip_drops_containers_emptied_by_additions_only() -> None:
    doc = {"a": {"x-mock": True}, "b": [{"x-mock": True}], "c": [], "d": {"e": 1, "f": {"x-mock": True}}}
    assert strip_mock_additions(doc) == {"c": [], "d": {"e": 1}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("openapi: [3.0.3\n", "not valid YAML", id="yaml"),
        pytest.param("- a list\n", "not an OpenAPI document", id="not-openapi"),
        pytest.param("swagger: '2.0'\nopenapi: '2.0'\n", "openapi '2.0' is not supported", id="swagger"),
        pytest.param("openapi: 3.0.3\npaths: [a]\n", "'paths' is not a mapping", id="paths"),
    ],
)
def test_broken_spec_names_file_and_problem(tmp_path: Path, content: str | None, problem: str) -> None:
    spec = tmp_path / "spec.yaml"
    if content is not None:
        spec.write_text(content)
    with pytest.raises(ContractError) as err:
        load_contract(spec)
    assert str(err.value).startswith(str(spec)) and problem in str(err.value)
    assert "\n" not in str(err.value)


def test_served_document_points_at_the_mock() -> None:
    contract = load_contract()
    served = json.loads(contract.served("http://127.0.0.1:9999"))
    assert served["servers"][0]["url"] == "http://127.0.0.1:9999"
    assert served["paths"] == contract.document["paths"]
    assert "x-mock-warnings" not in served


def test_operations_carry_their_route_and_a_compiled_body_validator() -> None:
    contract = load_contract()
    create = contract.operation("iframe_create_create")
    assert create.method == "POST" and create.path == "/api/v1/iframe/create"
    assert create.body is not None
    # References stay references (the registry resolves them); the shape follows them.
    limits = shape_of(create.shape.properties["limits"], create.body.resolve)
    assert {"hourly", "daily"} <= set(limits.properties)


# A document with one of each vendor mistake the mock knows, each in its own operation.
THING = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["id", "name"],
}
ID = {"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}
PK = {"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}}


def ok(schema: dict[str, Any], **media: Any) -> dict[str, Any]:
    return {"200": {"description": "", "content": {"application/json": {"schema": schema, **media}}}}


MISTAKES = openapi(
    {
        "/things/{id}/": {
            "get": {
                "operationId": "thing_get",
                "parameters": [ID, PK],  # pk is not in the template
                "responses": ok(THING, examples={"good": {"value": {"id": 1, "name": "a"}}, "broken": {"value": {}}}),
            },
            "put": {
                "operationId": "thing_put",
                "parameters": [ID],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}},
                "responses": ok(THING),
            },
            "delete": {
                "operationId": "thing_get",  # the GET's
                "parameters": [ID],
                "responses": {"204": {"description": "", "content": {"application/json": {"schema": {}}}}},
            },
        },
        "/parts/{part}": {"get": {"operationId": "part_get", "responses": ok(THING)}},  # {part} is declared nowhere
    }
)


@pytest.fixture
def mistakes(serve_document: ServeDocument) -> tuple[httpx.Client, dict[str, Any]]:
    client = serve_document(MISTAKES)
    return client, client.get("/openapi.json").json()


def warned(served: dict[str, Any], operation: str) -> list[str]:
    """The served warnings about `operation` ("GET /things/{id}/ (thing_get)"), without the operation."""
    return [w.removeprefix(operation + ": ") for w in served["x-mock-warnings"] if w.startswith(operation + ": ")]


def test_a_path_parameter_missing_from_the_template_is_ignored(mistakes: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, served = mistakes
    assert warned(served, "GET /things/{id}/ (thing_get)")[0] == (
        "path parameter 'pk' is not in the path template; it is ignored"
    )
    assert client.get("/things/7/").status_code == 200
    assert client.get("/things/x/").json() == {"error": 'path.id: "x" is not of type "integer"'}
    assert [p["name"] for p in served["paths"]["/things/{id}/"]["get"]["parameters"]] == ["id"]


def test_a_template_name_no_parameter_declares_is_read_as_a_string(
    mistakes: tuple[httpx.Client, dict[str, Any]],
) -> None:
    client, served = mistakes
    assert warned(served, "GET /parts/{part} (part_get)") == [
        "path template names {part} but no path parameter declares it; read as a string"
    ]
    assert client.get("/parts/anything").status_code == 200
    assumed = served["paths"]["/parts/{part}"]["get"]["parameters"]
    assert assumed == [{"in": "path", "name": "part", "required": True, "schema": {"type": "string"}, "x-mock": True}]


def test_a_ref_to_nothing_is_left_out_and_its_operation_still_served(
    mistakes: tuple[httpx.Client, dict[str, Any]],
) -> None:
    client, served = mistakes
    assert warned(served, "PUT /things/{id}/ (thing_put)") == [
        "request body: $ref '#/components/schemas/Nope' points at nothing; any body is accepted unchecked"
    ]
    answer = client.put("/things/7/", json={"anything": True})
    assert answer.status_code == 200 and set(answer.json()) == {"id", "name"}
    assert "requestBody" not in served["paths"]["/things/{id}/"]["put"]
    assert "#/components/schemas/Nope" not in json.dumps(served["paths"])


def test_a_duplicate_operation_id_is_left_out_of_the_second_operation(
    mistakes: tuple[httpx.Client, dict[str, Any]],
) -> None:
    client, served = mistakes
    assert warned(served, "DELETE /things/{id}/ (delete /things/{id}/)")[0] == (
        "operationId 'thing_get' is also GET /things/{id}/'s; ignored"
    )
    assert client.get("/things/8/").status_code == 200 and client.delete("/things/8/").status_code == 204
    assert served["paths"]["/things/{id}/"]["get"]["operationId"] == "thing_get"
    assert "operationId" not in served["paths"]["/things/{id}/"]["delete"]


def test_an_example_that_breaks_its_schema_is_never_served(mistakes: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, served = mistakes
    assert warned(served, "GET /things/{id}/ (thing_get)")[1] == (
        "response 200 example 'broken' breaks its own schema (id: is required but missing); not served"
    )
    assert client.get("/things/7/").json() == {"id": 1, "name": "a"}  # the valid example
    refused = client.get("/things/7/", headers={"Prefer": "example=broken"})
    assert refused.status_code == 400 and "examples: 200:good" in refused.json()["error"]
    examples = served["paths"]["/things/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(examples) == {"good"}


def test_a_body_documented_for_a_204_is_ignored(mistakes: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, served = mistakes
    assert warned(served, "DELETE /things/{id}/ (delete /things/{id}/)")[1] == (
        "response 204 documents a body (application/json), but a 204 has none; ignored"
    )
    answer = client.delete("/things/9/")
    assert answer.status_code == 204 and answer.content == b"" and "content-type" not in answer.headers
    assert served["paths"]["/things/{id}/"]["delete"]["responses"]["204"] == {"description": ""}


def test_the_served_document_is_valid_where_the_vendors_is_not(mistakes: tuple[httpx.Client, dict[str, Any]]) -> None:
    _, served = mistakes
    with pytest.raises(OpenAPIValidationError, match="pk"):
        validate(MISTAKES)
    validate(served)  # what the mock ignored is left out, so a generator or validator reads it as served
    vendor = ROOT / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"
    validate(json.loads(load_contract(vendor).served("http://m")))


@pytest.mark.parametrize(
    ("status", "content_type", "raw", "problems"),
    [
        pytest.param(200, "application/json", b'{"iframe_url":"u","cache_key":"k","expires_in":9}', [], id="valid"),
        pytest.param(
            200,
            "application/json",
            b'{"iframe_url":"u","cache_key":"k","expires_in":18446744073709551616}',
            [],
            id="integer-beyond-64-bits",  # read exactly, as request bodies are: not a float
        ),
        pytest.param(
            200,
            "application/json; charset=utf-8",
            b'{"iframe_url":"u","cache_key":"k","expires_in":"9"}',
            ['response 200 body.expires_in: "9" is not of type "integer"'],
            id="wrong-type",
        ),
        pytest.param(
            200,
            "application/json",
            b"",
            ["response 200 body: is missing; the document gives application/json"],
            id="empty",
        ),
        pytest.param(
            200,
            None,
            b"{}",
            ["response 200 Content-Type: is missing; it should be one the document gives (application/json)"],
            id="no-content-type",
        ),
        pytest.param(
            200,
            "application/json",
            b"[1,",
            ["response 200 body: is not valid JSON (Expecting value at line 1 column 4)"],
            id="invalid-json",
        ),
        pytest.param(
            418,
            "application/json",
            b"{}",
            [
                "response status 418 is not documented for iframe_create_create (documented: 200, 400, 401, 413, 415, 429, 503)"
            ],
            id="undocumented-status",
        ),
    ],
)
def test_an_answer_is_checked_as_the_wire_carried_it(
    status: int, content_type: str | None, raw: bytes, problems: list[str]
) -> None:
    operation = load_contract().operation("iframe_create_create")
    assert operation.check_answer(status, content_type, raw)[0] == problems


def test_a_status_documented_only_as_a_range_or_default_is_documented(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: x\n"
        "      responses:\n        '204': {description: none}\n        4XX: {description: client}\n"
    )
    operation = load_contract(spec, mock=False).operation("x")
    assert operation.check_answer(404, "application/json", b"{}")[0] == []
    assert operation.check_answer(204, None, b"") == ([], None)
    assert operation.check_answer(204, "text/plain", b"hi")[0] == [
        "response 204 body: the document gives none, yet 2 bytes came"
    ]
    assert operation.check_answer(500, None, b"")[0] == [
        "response status 500 is not documented for x (documented: 204, 4XX)"
    ]


def test_the_2025_document_starts_with_warnings_about_the_vendors_mistakes_only() -> None:
    # Each warning names one of the vendor's operations; none is about the mock's own overlay.
    contract = load_contract(ROOT / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml")
    assert contract.warnings
    assert not [w for w in contract.warnings if "overlay" in w]
    vendor_operations = {f"{op.method} {op.path} ({op.operation_id})" for op in contract.operations.values()}
    assert all(w.split(": ", 1)[0] in vendor_operations for w in contract.warnings), contract.warnings
