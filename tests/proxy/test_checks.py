"""The proxy judges a request's body as the mock reads it: in the media type the operation documents."""

from __future__ import annotations

import json
from pathlib import Path

from mockserver.proxy.checks import check_request
from mockserver.spec.contract import load_contract
from mockserver.spec.routes import Found
from tests.conftest import openapi

FORM = "application/x-www-form-urlencoded"
DOCUMENT = openapi(
    {
        "/forms": {
            "post": {
                "operationId": "take_form",
                "requestBody": {
                    "required": True,
                    "content": {
                        FORM: {"schema": {"type": "object", "properties": {"age": {"type": "integer"}}}},
                    },
                },
                "responses": {"204": {"description": "taken"}},
            }
        }
    }
)


def checked(tmp_path: Path, content_type: str | None, raw: bytes) -> tuple[list[str], int | None]:
    spec = tmp_path / "forms.json"
    spec.write_text(json.dumps(DOCUMENT))
    found = Found(load_contract(str(spec), mock=False).operation("take_form"), {})
    headers = {"content-type": content_type} if content_type else {}
    check = check_request(found, "POST", "/forms", headers, {}, {}, raw)
    return check.problems, check.refusal.status if check.refusal else None


def test_a_form_body_is_read_as_a_form(tmp_path: Path) -> None:
    assert checked(tmp_path, FORM, b"age=42") == ([], None)
    assert checked(tmp_path, FORM, b"age=old") == (['request body.age: "old" is not of type "integer"'], 400)


def test_an_undocumented_media_type_is_the_mocks_415(tmp_path: Path) -> None:
    problems, status = checked(tmp_path, "application/json", b'{"age": 42}')
    assert status == 415
    assert problems == [f"request Content-Type 'application/json' is not accepted; send the body as {FORM}"]
