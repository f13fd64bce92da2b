from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.config import ConfigError
from mockserver.mock import build_mock
from mockserver.server.prefer import parse_prefer
from mockserver.testing.in_process import default_settings, transport

VALID = {"uid": "user-1", "srcs": ["123"]}
CREATE = "/api/v1/iframe/create"


def post(client: httpx.Client, headers: dict[str, str], body: Any = VALID, prefer: str | None = None) -> httpx.Response:
    extra = {"Prefer": prefer} if prefer else {}
    return client.post(CREATE, json=body, headers={**headers, **extra})


@pytest.fixture
def client() -> Any:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as c:
        yield c


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        pytest.param("code=400", {"code": "400"}, id="one"),
        pytest.param("code=400, example=x", {"code": "400", "example": "x"}, id="comma"),
        pytest.param('code=400; dynamic="true"', {"code": "400", "dynamic": "true"}, id="semicolon-quoted"),
        pytest.param("respond-async, Code=200", {"code": "200"}, id="flag-and-case"),
    ],
)
def test_parse_prefer(header: str, parsed: dict[str, str]) -> None:
    assert parse_prefer(header) == parsed


@pytest.mark.parametrize(
    ("prefer", "status", "body"),
    [
        pytest.param("code=400", 400, {"error": "uid: is required but missing"}, id="code-first-example"),
        pytest.param("example=quickstart", 200, {"iframe_url": "https://app.camelai.com/iframe/abc123xyz/",
                                                 "cache_key": "abc123xyz", "expires_in": 900}, id="example"),
        pytest.param("code=400, example=ttl-too-long", 400,
                     {"error": "ttl: 7200 is greater than the maximum of 3600"}, id="code-and-example"),
    ],
)  # fmt: skip
def test_prefer_picks_a_documented_answer(client: httpx.Client, prefer: str, status: int, body: Any) -> None:
    r = post(client, {}, prefer=prefer)
    assert (r.status_code, r.json()) == (status, body)


def test_prefer_dynamic_draws_from_the_schema(client: httpx.Client) -> None:
    r = post(client, {}, prefer="dynamic=true")
    assert r.status_code == 200 and {"iframe_url", "cache_key", "expires_in"} <= set(r.json())
    r = post(client, {}, prefer="code=503, dynamic=true")
    assert r.status_code == 503 and isinstance(r.json()["error"], str)


def test_prefer_code_200_alone_keeps_the_realistic_stateful_answer(client: httpx.Client) -> None:
    r = post(client, {}, prefer="code=200")
    assert r.status_code == 200
    assert client.get(f"/api/v1/iframe/token/{r.json()['cache_key']}").status_code == 200


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        pytest.param("code=418", "Prefer: code=418 is not a documented response of POST /api/v1/iframe/create; "
                     "documented: 200, 400, 401, 413, 415, 429, 503", id="unknown-code"),
        pytest.param("code=abc", "Prefer: code=abc is not a documented response", id="not-a-number"),
        pytest.param("example=nope", "Prefer: example=nope is not a named example of POST /api/v1/iframe/create; "
                     "examples: 200:quickstart, 200:shortest-ttl, 200:longest-ttl, 400:uid-missing",
                     id="unknown-example"),
        pytest.param("code=401, example=quickstart", "examples: none", id="example-not-under-code"),
        pytest.param("dynamic=maybe", "Prefer: dynamic=maybe is not true or false", id="bad-dynamic"),
    ],
)  # fmt: skip
def test_an_unknown_choice_is_a_400_naming_it_and_what_exists(client: httpx.Client, prefer: str, expected: str) -> None:
    r = post(client, {}, prefer=prefer)
    assert r.status_code == 400
    assert expected in r.json()["error"]


def test_other_preferences_are_ignored_as_rfc_7240_asks(client: httpx.Client) -> None:
    r = post(client, {}, prefer="return=minimal")
    assert r.status_code == 200 and "camel-mock.test" in r.json()["iframe_url"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        pytest.param({"srcs": []}, {}, 400, id="invalid-body"),
        pytest.param(VALID, {"Authorization": ""}, 401, id="no-auth"),
    ],
)
def test_auth_and_validation_come_before_prefer(
    client: httpx.Client, body: Any, headers: dict[str, str], status: int
) -> None:
    r = post(client, headers, body, prefer="example=quickstart")
    assert r.status_code == status and "quickstart" not in r.text


def fuzzed(seed: int, n: int = 30) -> list[tuple[int, Any]]:
    t = transport(settings=default_settings(responses="fuzz", seed=seed))
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as c:
        return [(r.status_code, r.json()) for r in (post(c, {}) for _ in range(n))]


def test_fuzz_is_deterministic_for_a_seed_and_request_order() -> None:
    assert fuzzed(11) == fuzzed(11)
    assert fuzzed(11) != fuzzed(12)


def test_fuzz_draws_the_vendor_documented_answers() -> None:
    assert {status for status, _ in fuzzed(3, 60)} == {200, 400}


def test_fuzz_still_rejects_what_the_contract_rejects() -> None:
    t = transport(settings=default_settings(responses="fuzz"))
    with httpx.Client(transport=t, base_url=t.url) as c:
        r = post(c, t.handle.headers, {"srcs": []})
    assert r.json() == {"error": "uid: is required but missing"}


def test_reset_restarts_the_fuzz_draws() -> None:
    t = transport(settings=default_settings(responses="fuzz", seed=4))
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as c:
        first = [post(c, {}).json() for _ in range(5)]
        t.handle.reset()
        assert [post(c, {}).json() for _ in range(5)] == first


def test_an_unknown_mode_is_a_start_up_error() -> None:
    with pytest.raises(ConfigError, match="--responses 'chaos' is not one of realistic, fuzz"):
        build_mock(default_settings(responses="chaos"))


@pytest.mark.parametrize("name", ["code", "example", "dynamic"])
def test_a_long_prefer_value_is_quoted_cut(client: httpx.Client, name: str) -> None:
    r = post(client, {}, prefer=f"{name}={'9' * 10_000}")
    assert r.status_code == 400
    error = r.json()["error"]
    assert f"Prefer: {name}={'9' * 60}… (10000 characters) is not" in error and len(error) < 400
