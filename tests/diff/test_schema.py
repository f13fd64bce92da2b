"""Schema changes in the direction that matters: narrowing a request breaks, widening an answer breaks or changes
behaviour; each found through references, `allOf` and arrays, and recursion ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.diff.compare import compare
from mockserver.diff.model import ADDITIVE, BEHAVIOUR, BREAKING
from mockserver.spec.contract import Contract
from tests.conftest import answers, openapi


def contract(schema: dict[str, Any], view: str, components: dict[str, Any] | None = None) -> Contract:
    operation: dict[str, Any] = {"operationId": "things_create"}
    if view == "request":
        operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        operation["responses"] = {"200": {"description": "ok"}}
    else:
        operation["responses"] = answers(schema)
    document = openapi({"/things": {"post": operation}}, components={"schemas": components or {}})
    return Contract(Path("synthetic.json"), document)


def changes(
    old: Any, new: Any, view: str = "request", components: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
) -> set[tuple[str, tuple[str, ...], str]]:
    """(what changed, where below the request body or answer, its class) of each change."""
    found = compare(contract(old, view, components[0]), contract(new, view, components[1]))
    return {(c.kind, c.place[1:], c.klass) for c in found}


def obj(required: tuple[str, ...] = (), closed: bool = False, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


STR = {"type": "string"}
INT = {"type": "integer"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            obj(a=STR, gone=INT),
            obj(a=STR),
            ("property removed", ("gone",), BEHAVIOUR),
            id="removed-while-unknown-properties-are-accepted",
        ),
        pytest.param(
            obj(closed=True, a=STR, gone=INT),
            obj(closed=True, a=STR),
            ("property removed", ("gone",), BREAKING),
            id="removed-where-additionalProperties-false",
        ),
        pytest.param(obj(a=STR), obj(a=STR, b=INT), ("property added", ("b",), ADDITIVE), id="optional-added"),
        pytest.param(obj(a=STR), obj(("b",), a=STR, b=INT), ("property added", ("b",), BREAKING), id="required-added"),
        pytest.param(
            obj(a=STR), obj(("a",), a=STR), ("required changed", ("a", "required"), BREAKING), id="made-required"
        ),
        pytest.param(obj(a=STR), obj(closed=True, a=STR), ("additionalProperties changed", (), BREAKING), id="closed"),
        pytest.param(obj(a=STR), obj(a=INT), ("type changed", ("a", "type"), BREAKING), id="type-changed"),
        pytest.param(
            obj(a=INT), obj(a={"type": "number"}), ("type changed", ("a", "type"), ADDITIVE), id="integer-to-number"
        ),
        pytest.param(
            obj(a={"type": "number"}), obj(a=INT), ("type changed", ("a", "type"), BREAKING), id="number-to-integer"
        ),
        pytest.param(
            obj(a={"type": "string", "nullable": True}),
            obj(a=STR),
            ("nullable changed", ("a", "nullable"), BREAKING),
            id="null-refused",
        ),
        pytest.param(
            obj(a=STR),
            obj(a={"type": "string", "nullable": True}),
            ("nullable changed", ("a", "nullable"), ADDITIVE),
            id="null-accepted",
        ),
        pytest.param(
            obj(a=STR),
            obj(a={"type": "string", "format": "uuid"}),
            ("format changed", ("a", "format"), BREAKING),
            id="format-added",
        ),
        pytest.param(
            obj(a={"type": "string", "enum": ["x", "y"]}),
            obj(a={"type": "string", "enum": ["x"]}),
            ("enum narrowed", ("a", "enum"), BREAKING),
            id="enum-narrowed",
        ),
        pytest.param(
            obj(a={"type": "string", "enum": ["x"]}),
            obj(a={"type": "string", "enum": ["x", "y"]}),
            ("enum widened", ("a", "enum"), ADDITIVE),
            id="enum-widened",
        ),
        pytest.param(
            obj(a={"type": "integer", "maximum": 10}),
            obj(a={"type": "integer", "maximum": 5}),
            ("maximum changed", ("a", "maximum"), BREAKING),
            id="maximum-lowered",
        ),
        pytest.param(
            obj(a={"type": "integer", "minimum": 5}),
            obj(a={"type": "integer", "minimum": 1}),
            ("minimum changed", ("a", "minimum"), ADDITIVE),
            id="minimum-lowered",
        ),
        pytest.param(
            obj(a=STR),
            obj(a={"type": "string", "minLength": 2}),
            ("minLength changed", ("a", "minLength"), BREAKING),
            id="minLength-added",
        ),
        pytest.param(
            obj(a={"type": "string", "pattern": "^a"}),
            obj(a=STR),
            ("pattern changed", ("a", "pattern"), ADDITIVE),
            id="pattern-removed",
        ),
        pytest.param(
            obj(a={"type": "string", "default": "x"}),
            obj(a={"type": "string", "default": "y"}),
            ("default changed", ("a", "default"), BEHAVIOUR),
            id="default-moved",
        ),
        pytest.param(
            obj(a=STR),
            obj(a={"type": "string", "readOnly": True}),
            ("readOnly changed", ("a", "readOnly"), BEHAVIOUR),
            id="made-readOnly",
        ),
        pytest.param(
            obj(tags={"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}),
            obj(tags={"type": "array", "items": {"type": "string", "enum": ["a"]}}),
            ("enum narrowed", ("tags", "[]", "enum"), BREAKING),
            id="inside-an-array",
        ),
    ],
)
def test_a_request_schema_that_narrows_breaks_and_one_that_widens_is_additive(
    old: dict[str, Any], new: dict[str, Any], expected: tuple[str, tuple[str, ...], str]
) -> None:
    assert changes(old, new) == {expected}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            obj(a={"type": "string", "enum": ["x"]}),
            obj(a={"type": "string", "enum": ["x", "y"]}),
            ("enum widened", ("a", "enum"), BEHAVIOUR),
            id="enum-widened",
        ),
        pytest.param(
            obj(a={"type": "string", "enum": ["x", "y"]}),
            obj(a={"type": "string", "enum": ["x"]}),
            ("enum narrowed", ("a", "enum"), ADDITIVE),
            id="enum-narrowed",
        ),
        pytest.param(
            obj(a=STR), obj(a={"type": ["string", "integer"]}), ("type changed", ("a", "type"), BREAKING), id="type"
        ),
        pytest.param(
            obj(a=STR),
            obj(a={"type": "string", "nullable": True}),
            ("nullable changed", ("a", "nullable"), BREAKING),
            id="may-be-null",
        ),
        pytest.param(
            obj(("a", "b"), a=STR, b=STR),
            obj(("b",), b=STR),
            ("property removed", ("a",), BREAKING),
            id="required-gone",
        ),
        pytest.param(obj(a=STR, b=STR), obj(b=STR), ("property removed", ("a",), BEHAVIOUR), id="optional-gone"),
        pytest.param(obj(a=STR), obj(a=STR, b=STR), ("property added", ("b",), ADDITIVE), id="added"),
        pytest.param(
            obj(("a",), a=STR), obj(a=STR), ("required changed", ("a", "required"), BREAKING), id="may-be-missing"
        ),
        pytest.param(
            obj(a={"type": "integer", "maximum": 5}),
            obj(a={"type": "integer", "maximum": 10}),
            ("maximum changed", ("a", "maximum"), BEHAVIOUR),
            id="bound-widened",
        ),
    ],
)
def test_an_answer_that_widens_breaks_a_strict_parser_or_changes_behaviour(
    old: dict[str, Any], new: dict[str, Any], expected: tuple[str, tuple[str, ...], str]
) -> None:
    assert changes(old, new, "response") == {expected}


def test_changes_are_found_through_references_and_allOf_with_the_field_they_are_about() -> None:
    limits = {"type": "object", "properties": {"hourly": {"type": "integer", "minimum": 1}}}
    stricter = {"type": "object", "properties": {"hourly": {"type": "integer", "minimum": 10}}}
    body = obj(limits={"allOf": [{"$ref": "#/components/schemas/Limits"}], "description": "per uid"})
    found = compare(contract(body, "request", {"Limits": limits}), contract(body, "request", {"Limits": stricter}))
    assert [(c.where, c.klass, c.field) for c in found] == [
        ("POST /things › request body › limits › hourly › minimum", BREAKING, "limits.hourly")
    ]


def test_a_recursive_schema_is_walked_once_and_its_changes_found() -> None:
    def node(name: dict[str, Any]) -> dict[str, Any]:
        return obj(name=name, children={"type": "array", "items": {"$ref": "#/components/schemas/Node"}})

    ref = {"$ref": "#/components/schemas/Node"}
    found = changes(ref, ref, components=({"Node": node(STR)}, {"Node": node({"type": "string", "maxLength": 3})}))
    assert found == {("maxLength changed", ("name", "maxLength"), BREAKING)}


def test_a_name_newly_required_breaks_a_request_even_where_no_property_declares_it() -> None:
    assert changes(obj(a=STR), {**obj(a=STR), "required": ["a", "b"]}) == {
        ("required changed", ("a", "required"), BREAKING),
        ("required changed", ("b", "required"), BREAKING),
    }


def test_a_schema_recursive_through_a_property_ends_too() -> None:
    def node(name: dict[str, Any]) -> dict[str, Any]:
        return obj(name=name, parent={"$ref": "#/components/schemas/Node"})

    ref = {"$ref": "#/components/schemas/Node"}
    found = changes(ref, ref, components=({"Node": node(STR)}, {"Node": node(INT)}))
    assert found == {("type changed", ("name", "type"), BREAKING)}
