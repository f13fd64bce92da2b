"""Credentials read from the document's structure: never journaled or recorded."""

from __future__ import annotations

from pathlib import Path

from mockserver.spec.contract import load_contract
from mockserver.spec.secrets import Secrets

VENDOR = Path(__file__).parents[2] / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"


def test_the_vendor_documents_credentials_are_found_from_its_structure() -> None:
    secrets = Secrets.of(load_contract(VENDOR))
    assert secrets.headers == {"x-api-key"}  # the ApiKeyAuth scheme's header; Authorization is always one
    assert {"password", "token"} <= secrets.fields  # properties marked writeOnly


def test_credential_values_are_replaced_in_bodies_queries_and_sentences(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        """openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      security: [{Key: []}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                secret: {type: string, format: password}
                name: {type: string}
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    Key: {type: apiKey, in: query, name: api_key}
"""
    )
    secrets = Secrets.of(load_contract(spec, mock=False))
    assert secrets.query_string("a=1&api_key=sk-1&b=2") == "a=1&api_key=[redacted]&b=2"
    assert secrets.body('{"name": "n", "secret": "s\\"3", "n": {"secret": 5}}') == (
        '{"name": "n", "secret": "[redacted]", "n": {"secret": "[redacted]"}}'
    )
    assert secrets.body('{"secret": "cut sho') == '{"secret": "[redacted]"'  # the journal keeps 4 KiB
    assert secrets.sentence('request body.secret: 5 is not of type "string"') == (
        "request body.secret: [redacted] (a credential's value, not shown, breaks the schema)"
    )
    assert (
        secrets.sentence("request body.secret: is required but missing")
        == "request body.secret: is required but missing"
    )
