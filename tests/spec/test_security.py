"""Each kind of security scheme, read from the document: a configured key is accepted where the scheme says it is
sent, a missing or wrong one is a 401 that names what to send and never repeats the credential, and `{}` among the
alternatives lets a request without credentials through."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from mockserver.config import KeyPolicy
from tests.conftest import ServeDocument, answers, openapi

KEY = "sk-good"
WRONG = "sk-wrong-SECRET-0123456789"
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "basic": {"type": "http", "scheme": "basic"},
    "header": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "query": {"type": "apiKey", "in": "query", "name": "api_key"},
    "cookie": {"type": "apiKey", "in": "cookie", "name": "session_key"},
}


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"user:{password}".encode()).decode()


def credentials(scheme: str, key: str) -> dict[str, Any]:
    """The request options that send `key` the way `scheme` asks."""
    return {
        "bearer": {"headers": {"Authorization": f"Bearer {key}"}},
        "basic": {"headers": {"Authorization": basic(key)}},
        "header": {"headers": {"X-API-Key": key}},
        "query": {"params": {"api_key": key}},
        "cookie": {"headers": {"Cookie": f"session_key={key}"}},
    }[scheme]


def operation(security: list[dict[str, list[str]]]) -> dict[str, Any]:
    return {"get": {"security": security, "responses": answers()}}


DOCUMENT = openapi(
    {
        **{f"/{name}": operation([{name: []}]) for name in SCHEMES},
        "/key-or-anonymous": operation([{"header": []}, {}]),
        "/anonymous": operation([{}]),
    },
    components={"securitySchemes": SCHEMES},
)


@pytest.fixture
def client(serve_document: ServeDocument) -> httpx.Client:
    return serve_document(DOCUMENT, api_keys={KEY: KeyPolicy()})


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_configured_key_is_accepted_where_the_scheme_sends_it(client: httpx.Client, scheme: str) -> None:
    assert client.get(f"/{scheme}", **credentials(scheme, KEY)).status_code == 200


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_credentials_is_a_401_saying_what_to_send(client: httpx.Client, scheme: str) -> None:
    answer = client.get(f"/{scheme}")
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers
    expected = {"bearer": "Authorization", "basic": "Basic", "header": "X-API-Key", "query": "api_key"}
    assert expected.get(scheme, "session_key").lower() in answer.json()["error"].lower()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_wrong_key_is_a_401_that_never_repeats_the_credential(client: httpx.Client, scheme: str) -> None:
    answer = client.get(f"/{scheme}", **credentials(scheme, WRONG))
    assert answer.status_code == 401 and answer.json()["error"]
    assert "SECRET" not in answer.text and basic(WRONG).split()[1] not in answer.text
    assert "SECRET" not in str(answer.headers)


@pytest.mark.parametrize("scheme", ["bearer", "header"])
def test_a_key_sent_another_way_than_the_scheme_says_is_not_taken(client: httpx.Client, scheme: str) -> None:
    other = "header" if scheme == "bearer" else "bearer"
    assert client.get(f"/{scheme}", **credentials(other, KEY)).status_code == 401


def test_an_empty_requirement_lets_a_request_without_credentials_through(client: httpx.Client) -> None:
    assert client.get("/key-or-anonymous").status_code == 200
    assert client.get("/key-or-anonymous", **credentials("header", KEY)).status_code == 200
    wrong = client.get("/key-or-anonymous", **credentials("header", WRONG))
    assert wrong.status_code == 401 and "SECRET" not in wrong.text  # credentials that are sent are checked
    assert client.get("/anonymous").status_code == 200
    assert client.get("/anonymous", **credentials("bearer", WRONG)).status_code == 200  # nothing to check


def test_the_mock_documents_the_401_it_answers(client: httpx.Client) -> None:
    served = client.get("/openapi.json").json()
    for path in SCHEMES:
        assert served["paths"][f"/{path}"]["get"]["responses"]["401"]["x-mock"] is True
    assert "401" not in served["paths"]["/anonymous"]["get"]["responses"]  # it never answers one
