"""Schemas resolved and translated by library: each test is a small document on which the hand-inlined, dict-walking
translation of before was wrong (issue 16, causes 1, 2 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.spec.schemas import Schemas, translate
from mockserver.spec.validation import body_validator
from tests.conftest import ServeDocument, openapi

NODE = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 5},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    },
    "required": ["name"],
}


def validator(document: dict[str, Any], where: str, view: str = "request") -> Any:
    return body_validator(Schemas(document, "3.1" if document["openapi"].startswith("3.1") else "3.0"), where, view)


def test_a_recursive_schema_is_validated_to_every_depth() -> None:
    """It was cut to `{}` at its first recursion, which accepts anything."""
    document = openapi({}, components={"schemas": {"Node": NODE}})
    check = validator(document, "#/components/schemas/Node")
    deep = {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "children": [{"name": 7}]}]}]}
    assert check.errors(deep) == ['children[0].children[0].children[0].name: 7 is not of type "string"']
    assert check.errors({"name": "a", "children": [{"name": "b", "children": []}]}) == []


def test_keywords_beside_a_ref_apply_in_31_and_not_in_30() -> None:
    """In 3.1 a `$ref` is one keyword among others; in 3.0 it replaces its siblings."""
    schemas = {"Code": {"type": "string"}, "Short": {"$ref": "#/components/schemas/Code", "maxLength": 5}}
    doc31 = {**openapi({}, components={"schemas": schemas}), "openapi": "3.1.0"}
    assert validator(doc31, "#/components/schemas/Short").errors("toolongvalue") == [
        'body: "toolongvalue" is longer than 5 characters'
    ]
    assert validator(openapi({}, components={"schemas": schemas}), "#/components/schemas/Short").errors("long!!") == []


def test_only_schema_positions_are_translated() -> None:
    """A property named `nullable` is a property, not the keyword: its schema stays."""
    schema = {
        "type": "object",
        "properties": {"nullable": {"type": "boolean"}, "note": {"type": "string", "nullable": True}},
    }
    translated = translate(schema, "3.0", "request")
    assert translated["properties"] == {"nullable": {"type": "boolean"}, "note": {"type": ["string", "null"]}}
    check = validator(openapi({}, components={"schemas": {"S": schema}}), "#/components/schemas/S")
    assert check.errors({"nullable": "notabool", "note": None}) == ['nullable: "notabool" is not of type "boolean"']


def test_nullable_beside_all_of_a_ref_takes_null() -> None:
    """drf-spectacular writes a nullable reference as `allOf: [$ref]` with `nullable: true`."""
    schemas = {
        "Kind": {"type": "string", "enum": ["a"]},
        "S": {"allOf": [{"$ref": "#/components/schemas/Kind"}], "nullable": True},
    }
    check = validator(openapi({}, components={"schemas": schemas}), "#/components/schemas/S")
    assert check.errors(None) == [] and check.errors("a") == [] and check.errors("b") != []


def test_nullable_beside_a_bare_ref_takes_null_in_30() -> None:
    """NSwag writes a nullable reference as `{$ref, nullable: true}` (visma.com, APIs.guru); 3.0 would ignore the
    sibling, but schemathesis, Prism and generated clients all send and expect null there."""
    schemas = {"Kind": {"type": "string", "enum": ["a"]}, "S": {"$ref": "#/components/schemas/Kind", "nullable": True}}
    check = validator(openapi({}, components={"schemas": schemas}), "#/components/schemas/S")
    assert check.errors(None) == [] and check.errors("a") == [] and check.errors("b") != []


def test_a_uuid_format_is_checked_in_30_as_in_31() -> None:
    # apisetu.gov.in (APIs.guru, 10 documents): draft 7 knows no `uuid`, so any string passed as a txnId.
    schemas = {"Id": {"type": "string", "format": "uuid"}}
    check = validator(openapi({}, components={"schemas": schemas}), "#/components/schemas/Id")
    assert check.errors("ea9c43aa-7f5a-4bf3-a0be-e1caa24737ba") == []
    assert check.errors("Ex. 2924637nNv839") == ['body: "Ex. 2924637nNv839" is not a "uuid"']


@pytest.mark.parametrize(
    ("fmt", "inside", "outside"),
    [
        pytest.param("int32", 2**31 - 1, 2**31, id="int32-high"),
        pytest.param("int32", -(2**31), -(2**31) - 1, id="int32-low"),
        pytest.param("int64", 2**63 - 1, 2**63, id="int64-high"),
    ],
)
def test_integer_formats_hold_their_range(fmt: str, inside: int, outside: int) -> None:
    schema = {"type": "integer", "format": fmt}
    check = validator(openapi({}, components={"schemas": {"N": schema}}), "#/components/schemas/N")
    assert check.errors(inside) == [] and check.errors(outside) != []


def test_integer_formats_hold_in_paths_queries_and_bodies(serve_document: ServeDocument) -> None:
    """An int64 path parameter took 9223372036854775808, int32 fields in queries and bodies values past 2³¹−1."""
    document = openapi(
        {
            "/things/{id}": {
                "post": {
                    "operationId": "things_touch",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "format": "int64"},
                        },
                        {"name": "n", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"count": {"type": "integer", "format": "int32"}},
                                }
                            }
                        }
                    },
                    "responses": {"204": {"description": "done"}},
                }
            }
        }
    )
    client = serve_document(document)
    assert client.post("/things/9223372036854775807", params={"n": 5}, json={"count": 1}).status_code == 204
    for path, query, body, field in [
        ("/things/9223372036854775808", {}, {}, "path.id"),
        ("/things/1", {"n": 2**31}, {}, "query.n"),
        ("/things/1", {}, {"count": 2**31}, "count"),
    ]:
        r = client.post(path, params=query, json=body)
        assert r.status_code == 400, (path, query, body)
        assert f"{field}: " in r.json()["error"]


def test_a_whole_number_written_with_a_fraction_is_an_integer_and_exclusive_bounds_hold() -> None:
    """3.0 schemas are validated as draft 7 reads them: 1.0 is an integer (draft 4 refused it), and 3.0's boolean
    `exclusiveMinimum` still excludes its bound."""
    schema = {"type": "integer", "minimum": 1, "exclusiveMinimum": True}
    check = validator(openapi({}, components={"schemas": {"N": schema}}), "#/components/schemas/N")
    assert check.errors(2.0) == [] and check.errors(2) == []
    assert check.errors(1) != [] and check.errors(1.5) != []


def test_a_json_null_body_is_a_body(serve_document: ServeDocument) -> None:
    """`null` was taken for no body at all ("is required but missing") where the schema allows null."""
    body_schema = {"type": "object", "properties": {"tags": {"type": "object"}}, "nullable": True}
    document = openapi(
        {
            "/tags": {
                "patch": {
                    "operationId": "tags_patch",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}},
                    "responses": {"204": {"description": "done"}},
                }
            }
        }
    )
    client = serve_document(document)
    assert client.patch("/tags", content=b"null", headers={"content-type": "application/json"}).status_code == 204
    r = client.patch("/tags")
    assert r.status_code == 400 and r.json()["error"].startswith("body: is required but missing")


def test_a_keyword_of_the_wrong_kind_is_left_out_not_a_crash() -> None:
    """Swagger 2's `required: true` on a property, found in real documents, stopped start-up with a TypeError."""
    schema = {"type": "object", "properties": {"id": {"type": "string", "required": True}}, "required": ["id"]}
    check = validator(openapi({}, components={"schemas": {"S": schema}}), "#/components/schemas/S")
    assert check.errors({"id": "a"}) == [] and check.errors({}) == ["id: is required but missing"]


def test_pointers_that_only_reference_one_schema_share_its_compiled_validator() -> None:
    """Microsoft Graph's 11,422 operations compiled a validator each for the components their answers name: 11 GB
    before start-up ended. A `$ref` with keywords beside it (3.1) is a schema of its own."""
    schemas = {"Node": NODE, "Alias": {"$ref": "#/components/schemas/Node"}}
    document = {**openapi({}, components={"schemas": schemas}), "openapi": "3.1.0"}
    document["components"]["schemas"]["Short"] = {"$ref": "#/components/schemas/Node", "maxProperties": 1}
    compiled = Schemas(document, "3.1")
    node = compiled.compile("#/components/schemas/Node", "response")
    assert compiled.compile("#/components/schemas/Alias", "response") is node
    assert compiled.compile("#/components/schemas/Short", "response") is not node
    assert compiled.compile("#/components/schemas/Node", "request") is not node  # each view its own translation
