from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import Phase, find, given, settings

from mockserver.spec.contract import CREATE, load_contract
from mockserver.testing import strategies
from mockserver.testing.in_process import transport
from mockserver.testing.strategies import InvalidRequest, rejection
from tests.venvs import venv_without

OPERATION = load_contract().operation(CREATE)
FEW = settings(max_examples=40, deadline=None)
SEARCH = settings(database=None, deadline=None, phases=[Phase.generate])  # find one, do not shrink it


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as c:
        yield c


@FEW
@given(body=strategies.create_requests())
def test_create_requests_are_accepted_by_the_mock(client: httpx.Client, body: dict[str, Any]) -> None:
    r = client.post("/api/v1/iframe/create", json=body)
    assert r.status_code == 200, r.text


@settings(max_examples=80, deadline=None)
@given(invalid=strategies.invalid_create_requests())
def test_invalid_create_requests_are_rejected_for_the_stated_reason(
    client: httpx.Client, invalid: InvalidRequest
) -> None:
    r = client.post("/api/v1/iframe/create", content=invalid.content, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == invalid.reason


@settings(max_examples=60, deadline=None)
@given(body=strategies.invalid_create_bodies())
def test_invalid_create_bodies_are_rejected_when_sent_as_json(client: httpx.Client, body: Any) -> None:
    r = client.post("/api/v1/iframe/create", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == rejection(json.dumps(body).encode())


def test_an_invalid_request_carries_what_to_send_it_with(client: httpx.Client) -> None:
    invalid = find(strategies.invalid_create_requests(), lambda i: i.body is None, settings=SEARCH)
    r = client.post("/api/v1/iframe/create", content=invalid.content, headers=invalid.headers)
    assert (r.status_code, r.json()["error"]) == (400, invalid.reason)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("is not valid JSON", id="not-json"),
        pytest.param('is not of type "object"', id="not-an-object"),
        pytest.param("theme + theme_id: both sent", id="exclusive-fields"),
        pytest.param(": ", id="schema"),
    ],
)
def test_invalid_requests_cover_every_kind_of_rejection(kind: str) -> None:
    def of_kind(invalid: InvalidRequest) -> bool:
        if kind == ": ":  # a schema rule: a field's name, not the body's, and not the exclusive pair
            return not invalid.reason.startswith("body:") and "both sent" not in invalid.reason
        return kind in invalid.reason

    found = find(strategies.invalid_create_requests(), of_kind, settings=SEARCH)
    assert of_kind(found)


def test_rejection_is_none_for_a_valid_body() -> None:
    assert rejection(b'{"uid": "u", "srcs": []}') is None
    assert rejection(b'{"srcs": []}') == "uid: is required but missing"


@FEW
@given(strategies.create_responses())
def test_create_responses_are_valid_success_bodies(body: Any) -> None:
    validator = OPERATION.responses[200].validator
    assert validator is not None and validator.errors(body) == []


@FEW
@given(strategies.error_responses())
def test_error_responses_are_valid_error_bodies(body: Any) -> None:
    validator = OPERATION.responses[400].validator
    assert validator is not None and validator.errors(body) == []


def test_responses_cover_every_documented_status_with_a_valid_body() -> None:
    seen: set[int] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(strategies.responses())
    def check(answer: tuple[int, Any]) -> None:
        status, body = answer
        validator = OPERATION.responses[status].validator
        assert validator is not None and validator.errors(body) == []
        seen.add(status)

    check()
    assert seen == set(OPERATION.responses)


@pytest.mark.parametrize("seconds", [pytest.param(60, id="ttl-min"), pytest.param(3600, id="ttl-max")])
def test_create_responses_reach_the_request_ttl_bounds(seconds: int) -> None:
    found = find(
        strategies.create_responses(), lambda body: body["expires_in"] == seconds, settings=settings(database=None)
    )
    assert found["expires_in"] == seconds


def test_every_public_name_is_exported() -> None:
    public = {n for n in vars(strategies) if not n.startswith("_") and callable(getattr(strategies, n))}
    public -= {"annotations", "cast", "dataclass", "lru_cache", "load_contract", "generate", "integer_edges"}
    public -= {"parse_json", "Answer", "Contract", "ApiError", "Any", "missing"}
    assert sorted(strategies.__all__) == sorted(public)


@pytest.mark.parametrize(
    ("left_out", "code"),
    [
        pytest.param("hypothesis", "from mockserver import strategies", id="hypothesis"),
        pytest.param(
            "schemathesis", "from mockserver import strategies; strategies.create_requests()", id="schemathesis"
        ),
        pytest.param("httpx", "from mockserver.testing import transport; transport()", id="httpx"),
    ],
)
def test_a_missing_optional_package_is_one_line_naming_it_and_the_extra(
    tmp_path: Path, left_out: str, code: str
) -> None:
    python = venv_without(tmp_path, left_out)
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("mockserver.testing.extras.MissingDependency: mockserver.")
    assert (
        f"needs {left_out}, which is not installed here: pip install 'camelai-iframe-mock[testing]' brings it" in last
    )
