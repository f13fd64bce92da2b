from __future__ import annotations

from pathlib import Path

import yaml

from mockserver.spec.contract import load_contract
from mockserver.spec.shape import allows_null, kind_of, shape_of


def test_a_shape_gathers_properties_required_names_and_defaults_through_nested_all_of() -> None:
    schema = {
        "allOf": [
            {"allOf": [{"properties": {"uid": {"type": "string"}}, "required": ["uid"]}]},
            {"properties": {"ttl": {"type": "integer", "default": 900}, "srcs": {"type": "array"}}},
        ],
        "properties": {"ttl": {"maximum": 3600}},
        "required": ["srcs"],
    }
    shape = shape_of(schema)
    assert set(shape.properties) == {"uid", "ttl", "srcs"}
    assert shape.properties["ttl"] == {"type": "integer", "default": 900, "maximum": 3600}
    assert shape.required == {"uid", "srcs"}
    assert shape.defaults == {"ttl": 900}
    assert shape.lists == {"srcs"}


def test_one_all_of_body_gives_every_part_the_same_defaults_and_fields(tmp_path: Path) -> None:
    """Before the shape was computed in one place, the create's defaults ignored allOf ({}), the operation's fields
    read one level of it, and items read it recursively."""
    body = {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "properties": {"ttl": {"type": "integer", "default": 900}}},
        ]
    }
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "operationId": "x",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"201": {"description": "ok"}},
                }
            }
        },
        "components": {
            "schemas": {
                "Base": {
                    "allOf": [{"type": "object", "properties": {"uid": {"type": "string"}, "srcs": {"type": "array"}}}]
                }
            }
        },
    }
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(document))
    operation = load_contract(path, mock=False).operation("x")
    assert operation.body is not None
    assert operation.fields == {"uid", "srcs", "ttl"}
    assert operation.defaults == {"ttl": 900, "srcs": []}
    assert operation.filled.applied({"uid": "u"}) == {"uid": "u", "ttl": 900}


def test_null_and_kind_are_read_from_translated_schemas() -> None:
    assert allows_null({"type": ["string", "null"]})
    assert allows_null({"anyOf": [{"type": "null"}, {"$ref": "#/x"}]})
    assert not allows_null({"type": "string"})
    assert kind_of({"type": ["integer", "null"]}) == "integer"
    assert kind_of({"anyOf": [{"type": "null"}, {"type": "number"}]}) == "number"
    assert kind_of({"type": ["integer", "string"]}) is None
