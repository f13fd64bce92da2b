from __future__ import annotations

import httpx
import jwt
import pytest

from mockserver.mock import Mock
from tests.conftest import AUTH, VALID


async def create(client: httpx.AsyncClient, body: object = VALID, headers: dict[str, str] = AUTH) -> httpx.Response:
    return await client.post("/api/v1/iframe/create", json=body, headers=headers)


async def test_create_answers_url_key_and_ttl(client: httpx.AsyncClient) -> None:
    r = await create(client, {**VALID, "ttl": 3600})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"iframe_url", "cache_key", "expires_in"}
    assert body["expires_in"] == 3600
    assert body["iframe_url"] == f"http://mock.test/iframe/{body['cache_key']}/"
    assert len(body["cache_key"]) >= 22 and body["cache_key"].replace("-", "").replace("_", "").isalnum()


async def test_ttl_defaults_from_the_contract(client: httpx.AsyncClient) -> None:
    assert (await create(client)).json()["expires_in"] == 900


async def test_token_behind_cache_key_verifies_against_jwks(client: httpx.AsyncClient, mock: Mock) -> None:
    key = (await create(client, {**VALID, "model": "o3", "theme": {"response_mode": "basic"}})).json()["cache_key"]
    found = (await client.get(f"/api/v1/iframe/token/{key}")).json()
    jwks = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    header = jwt.get_unverified_header(found["token"])
    claims = jwt.decode(
        found["token"],
        jwks[header["kid"]],
        algorithms=["ES256"],
        audience="camelai-iframe",
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["sub"] == "user-1" and claims["model"] == "o3" and claims["response_mode"] == "basic"
    assert claims["exp"] - claims["iat"] == 900 == found["expires_in"]
    assert claims["iss"] == "http://mock.test"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({**VALID, "ttl": 59}, "ttl: 59 is less than the minimum of 60", id="ttl-low"),
        pytest.param({**VALID, "limits": {"hourly": 0}}, "limits.hourly: 0 is less than the minimum of 1", id="limits"),
        pytest.param({"srcs": []}, "uid: is required but missing", id="uid-missing"),
        pytest.param({**VALID, "theme": {}, "theme_id": 3}, "theme + theme_id: both sent", id="theme-and-id"),
        pytest.param({**VALID, "model": "gpt-9"}, 'model: "gpt-9" is not one of "o3"', id="model"),
    ],
)
async def test_validation_errors_name_field_value_and_rule(
    client: httpx.AsyncClient, body: object, expected: str
) -> None:
    r = await create(client, body)
    assert r.status_code == 400
    assert expected in r.json()["error"]


@pytest.mark.parametrize(
    ("content", "ctype", "status", "expected"),
    [
        pytest.param(b"{", "application/json", 400, "not valid JSON", id="bad-json"),
        pytest.param(b"", "application/json", 400, "is empty", id="empty"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, "not valid UTF-8", id="not-utf8"),
        pytest.param(b"[1]", "application/json", 400, "a JSON array was sent", id="array"),
        pytest.param(b'{"uid": "\\ud800", "srcs": []}', "application/json", 400, "lone surrogate", id="surrogate"),
        pytest.param(b'{"uid": NaN}', "application/json", 400, "not usable JSON", id="nan"),
        pytest.param(b"[" * 100000, "application/json", 400, "body", id="deep"),
        pytest.param(b"uid=1", "application/x-www-form-urlencoded", 415, "not accepted", id="form"),
    ],
)
async def test_bad_bodies_get_a_clear_4xx(
    client: httpx.AsyncClient, content: bytes, ctype: str, status: int, expected: str
) -> None:
    r = await client.post("/api/v1/iframe/create", content=content, headers={**AUTH, "content-type": ctype})
    assert r.status_code == status
    assert expected in r.json()["error"]


async def test_unknown_path_and_wrong_method(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nope")).status_code == 404
    r = await client.get("/api/v1/iframe/create")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
