"""Every answer the mock sends, in every mode, is valid against the spec it serves (checked by openapi-core)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mockserver.testing.in_process import default_settings, transport

VALID = {"uid": "user-1", "srcs": ["123"]}
CREATE = "/api/v1/iframe/create"


def exchanges(client: httpx.Client, prefer: list[str]) -> list[httpx.Response]:
    auth = {"Authorization": "Bearer sk-test"}
    sent = [
        client.post(CREATE, json=VALID, headers=auth),
        client.post(CREATE, json={**VALID, "ttl": 60, "model": "o3"}, headers=auth),
        client.post(CREATE, json={"srcs": []}, headers=auth),
        client.post(CREATE, json=VALID),
        client.post(CREATE, json=VALID, headers={"Authorization": "Bearer wrong"}),
        client.post(CREATE, content=b"uid=1", headers={**auth, "content-type": "text/plain"}),
        client.post(CREATE, content=b"{", headers={**auth, "content-type": "application/json"}),
        client.get("/api/v1/iframe/token/never-issued"),
        client.get("/iframe/never-issued/"),
        client.get("/.well-known/jwks.json"),
        client.get("/openapi.json"),
    ]
    sent += [client.post(CREATE, json=VALID, headers={**auth, "Prefer": p}) for p in prefer]
    for r in list(sent):
        if r.status_code == 200 and r.request.url.path == CREATE and "camel-mock.test" in r.json()["iframe_url"]:
            key = r.json()["cache_key"]
            sent += [client.get(f"/api/v1/iframe/token/{key}"), client.get(f"/iframe/{key}/")]
    return sent


def validate(spec: OpenAPI, response: httpx.Response) -> None:
    request = response.request
    content_type = response.headers.get("content-type", "").partition(";")[0]
    spec.validate_response(
        MockRequest(
            "http://camel-mock.test",
            request.method,
            request.url.path,
            headers=dict(request.headers),
            data=request.content,
            content_type=request.headers.get("content-type", "application/json"),
        ),
        MockResponse(response.content, response.status_code, dict(response.headers), content_type),
    )


PREFER = [
    "code=200",
    "code=400",
    "code=401",
    "code=413",
    "code=415",
    "code=429",
    "code=503",
    "code=400, dynamic=true",
    "dynamic=true",
    "example=quickstart",
    "example=shortest-ttl",
    "code=400; example=uid-missing",
    "code=418",
    "example=nope",
    "dynamic=sometimes",
]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="realistic"),
        pytest.param({"responses": "fuzz", "seed": 1}, id="fuzz-1"),
        pytest.param({"responses": "fuzz", "seed": 2}, id="fuzz-2"),
        pytest.param({"responses": "fuzz", "seed": 3}, id="fuzz-3"),
    ],
)
def test_every_answer_is_valid_against_the_served_spec(changes: dict[str, Any]) -> None:
    t = transport(settings=default_settings(**changes))
    with httpx.Client(transport=t, base_url=t.url) as client:
        spec = OpenAPI.from_dict(json.loads(client.get("/openapi.json").content))
        sent = exchanges(client, PREFER) + [
            client.post(CREATE, json=VALID, headers=t.handle.headers) for _ in range(20)
        ]
    assert len(sent) > 40
    for response in sent:
        validate(spec, response)


def test_the_check_itself_rejects_an_answer_the_spec_does_not_allow() -> None:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url) as client:
        spec = OpenAPI.from_dict(json.loads(client.get("/openapi.json").content))
        real = client.post(CREATE, json=VALID, headers=t.handle.headers)
    forged = httpx.Response(200, json={"iframe_url": "x", "cache_key": "k"}, request=real.request)
    with pytest.raises(Exception, match=r"(?i)invalid|required|expires_in"):
        validate(spec, forged)


def test_named_examples_are_valid_mock_additions_that_leave_the_vendor_document_intact() -> None:
    from pathlib import Path

    import yaml

    from mockserver.spec.contract import load_contract, strip_mock_additions

    contract = load_contract()
    answers = contract.operation("iframe_create_create").responses
    assert {s for s, a in answers.items() if a.examples} == {200, 400}
    for answer in answers.values():
        assert answer.validator is not None
        for name, value in answer.examples.items():
            assert answer.validator.errors(value) == [], (answer.status, name)
    vendor = yaml.safe_load((Path(__file__).parents[2] / "contracts/vendor/iframe-create.openapi.yaml").read_text())
    assert strip_mock_additions(contract.document) == vendor
