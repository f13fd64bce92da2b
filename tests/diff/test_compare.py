"""Operations, parameters, security, media types and statuses compared between two documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockserver.diff.compare import compare
from mockserver.diff.model import ADDITIVE, BEHAVIOUR, BREAKING
from mockserver.spec.contract import Contract
from tests.conftest import answers, openapi

BEARER = {"Bearer": {"type": "http", "scheme": "bearer"}}
API_KEY = {"Key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}


def document(path: str = "/things/{id}", method: str = "get", **operation: Any) -> Contract:
    op = {"operationId": "thing", "responses": answers(), **operation}
    top: dict[str, Any] = {"components": {"securitySchemes": {**BEARER, **API_KEY}}}
    return Contract(Path("synthetic.json"), openapi({path: {method: op}}, **top))


def param(name: str, where: str = "query", required: bool = False, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": {"type": kind}}


ID = param("id", "path", True, "string")
INT = {"type": "integer"}


def found(old: Contract, new: Contract) -> set[tuple[str, tuple[str, ...], str]]:
    return {(c.kind, c.place, c.klass) for c in compare(old, new)}


def test_an_operation_removed_breaks_and_one_added_is_additive() -> None:
    old, new = document(parameters=[ID]), document("/other", "post")
    assert found(old, new) == {
        ("operation removed", (), BREAKING),
        ("operation added", (), ADDITIVE),
    }


def test_a_path_parameter_renamed_in_the_template_is_the_same_operation() -> None:
    renamed = document("/things/{pk}", parameters=[param("pk", "path", True, "string")])
    assert found(document(parameters=[ID]), renamed) == set()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param([], [param("page")], ("parameter added", ADDITIVE), id="optional-added"),
        pytest.param([], [param("page", required=True)], ("parameter added", BREAKING), id="required-added"),
        pytest.param([param("page")], [], ("parameter removed", BEHAVIOUR), id="removed"),
        pytest.param([param("page")], [param("page", required=True)], ("required changed", BREAKING), id="required"),
        pytest.param([param("page")], [param("page", "header")], ("parameter moved", BREAKING), id="moved"),
        pytest.param([param("page", kind="string")], [param("page")], ("type changed", BREAKING), id="type"),
        pytest.param(
            [param("ids", kind="array") | {"schema": {"type": "array", "items": INT}}],
            [param("ids") | {"schema": {"type": "array", "items": INT}, "explode": False}],
            ("style changed", BREAKING),
            id="array-explode",
        ),
        pytest.param([param("page")], [param("page") | {"explode": False}], None, id="scalar-explode-same"),
    ],
)
def test_parameters_added_removed_required_moved_or_retyped(
    old: list[dict[str, Any]], new: list[dict[str, Any]], expected: tuple[str, str] | None
) -> None:
    changes = compare(document(parameters=[ID, *old]), document(parameters=[ID, *new]))
    assert [(c.kind, c.klass) for c in changes] == ([expected] if expected else [])
    assert all(c.place[0] in ("parameter query.page", "parameter header.page", "parameter query.ids") for c in changes)


def test_security_is_compared_as_the_credentials_a_request_carries() -> None:
    renamed = Contract(
        Path("renamed.json"),
        openapi(
            {
                "/things/{id}": {
                    "get": {
                        "operationId": "thing",
                        "parameters": [ID],
                        "responses": answers(),
                        "security": [{"Token": []}],
                    }
                }
            },
            components={"securitySchemes": {"Token": {"type": "http", "scheme": "bearer"}}},
        ),
    )
    assert found(document(parameters=[ID], security=[{"Bearer": []}]), renamed) == set()
    old = document(parameters=[ID], security=[{"Bearer": []}, {}])
    new = document(parameters=[ID], security=[{"Key": []}])
    assert found(old, new) == {
        ("anonymous access removed", ("security",), BREAKING),
        ("credential removed", ("security",), BREAKING),
        ("credential added", ("security",), ADDITIVE),
    }


def test_request_media_types_and_a_required_body() -> None:
    schema = {"type": "object"}
    both = {
        "content": {"application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}
    }
    json_only = {"content": {"application/json": {"schema": schema}}, "required": True}
    changes = compare(document("/t", "post", requestBody=both), document("/t", "post", requestBody=json_only))
    assert {(c.kind, c.place, c.klass) for c in changes} == {
        ("media type removed", ("request body", "application/x-www-form-urlencoded"), BREAKING),
        ("required changed", ("request body", "required"), BREAKING),
    }


def test_answers_statuses_media_and_the_success_status() -> None:
    error = {"description": "no", "content": {"application/json": {"schema": {"type": "object"}}}}
    old = document("/t", "post", responses={**answers(), "400": error})
    new = document("/t", "post", responses={**answers(status="201"), "429": error})
    assert found(old, new) == {
        ("success status changed", ("success",), BREAKING),
        ("answer removed", ("answer 200",), BEHAVIOUR),
        ("answer removed", ("answer 400",), BEHAVIOUR),
        ("answer added", ("answer 201",), BEHAVIOUR),
        ("answer added", ("answer 429",), BEHAVIOUR),
    }
    text = {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}
    assert found(document("/t", "post"), document("/t", "post", responses={"200": text})) == {
        ("media type removed", ("answer 200", "application/json"), BREAKING),
        ("media type added", ("answer 200", "text/plain"), BEHAVIOUR),
    }
