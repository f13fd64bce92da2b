"""A document in OpenAPI 3.1 (JSON Schema 2020-12), given as JSON, served as a 3.0 YAML one is."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mockserver.config import Settings
from mockserver.mock import build_mock
from mockserver.server.app import create_app
from mockserver.spec.contract import load_contract

THING = {
    "type": "object",
    "properties": {"id": {"type": "integer", "minimum": 1}, "note": {"type": ["string", "null"]}},
    "required": ["id", "note"],
}
DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "things", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "things_create",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "tag": {"type": ["string", "null"]},
                                },
                                "required": ["name"],
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "", "content": {"application/json": {"schema": THING}}}},
            }
        },
        "/things/{id}": {
            "get": {
                "operationId": "things_retrieve",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "", "content": {"application/json": {"schema": THING}}}},
            }
        },
    },
}


async def test_a_json_openapi_31_document_is_validated_and_answered_by_its_own_dialect(tmp_path: Path) -> None:
    spec = tmp_path / "things.json"
    spec.write_text(json.dumps(DOCUMENT))
    contract = load_contract(spec)
    assert contract.dialect == "3.1" and {"things_create", "things_retrieve"} <= set(contract.operations)
    app = create_app(build_mock(Settings(spec=str(spec), clock="frozen")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        made = await client.post("/things", json={"name": "a", "tag": None})
        empty = await client.post("/things", json={"name": "", "tag": 5})
        got = await client.get("/things/7")
        wrong = await client.get("/things/seven")
    assert made.status_code == 201 and not contract.operation("things_create").responses[201].validator.errors(
        made.json()
    )
    assert empty.status_code == 400
    assert "name: " in empty.json()["error"] and "tag: 5 is not of types" in empty.json()["error"]
    assert got.status_code == 200 and isinstance(got.json()["id"], int) and "note" in got.json()
    assert wrong.status_code == 400 and 'path.id: "seven" is not of type "integer"' in wrong.json()["error"]
