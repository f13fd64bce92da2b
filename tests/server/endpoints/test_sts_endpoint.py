"""The STS token: signed with the mock's key, accepted as a bearer credential until it expires on the mock's clock."""

from __future__ import annotations

import httpx
import jwt
import pytest

from mockserver.config import KeyPolicy, Settings
from mockserver.core.clock import Clock, parse_time
from mockserver.core.tokens import generate_signer
from mockserver.mock import Mock
from tests.conftest import AUTH, SPEC_2025, T0, VALID
from tests.server.endpoints.test_collection_endpoints import conforms

TOKEN = "/api/v1/token"


@pytest.fixture
def settings() -> Settings:
    return Settings(clock=f"frozen:{T0}", spec=SPEC_2025, api_keys={"sk-test": KeyPolicy()})


async def sts(client: httpx.AsyncClient, **body: object) -> str:
    r = await client.post(TOKEN, json={"uid": "user-1", **body}, headers=AUTH)
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


async def test_the_token_is_a_jwt_the_documents_jwks_verifies(client: httpx.AsyncClient, mock: Mock) -> None:
    r = await client.post(
        TOKEN, json={"uid": "user-1", "srcs": ["3"], "ttl": 120, "knowledge_base_entries": ["kb"]}, headers=AUTH
    )
    conforms(mock, "token_create", r)
    assert r.json()["token_type"] == "bearer" and r.json()["expires_in"] == 120
    token = r.json()["access_token"]
    for path in ("/api/v1/.well-known/jwks.json", "/.well-known/jwks.json"):
        keys = jwt.PyJWKSet.from_dict((await client.get(path)).json())
        header = jwt.get_unverified_header(token)
        assert header["kid"] == mock.signer.kid and header["alg"] == "ES256"
        claims = jwt.decode(token, keys[header["kid"]], algorithms=["ES256"], options={"verify_exp": False})
    iat = int(parse_time(T0))
    assert claims["sub"] == "user-1" and claims["scopes"] == ["query"]  # the document's default scopes
    assert claims["srcs"] == ["3"] and claims["knowledge_base_entries"] == ["kb"]
    assert (claims["iat"], claims["exp"]) == (iat, iat + 120) and len(claims["jti"]) >= 16


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param({"uid": "u", "ttl": 59}, "ttl: 59 is less than the minimum of 60", id="short"),
        pytest.param({"uid": "u", "ttl": 901}, "ttl: 901 is greater than the maximum of 900", id="long"),
        pytest.param({"ttl": 60}, "uid: is required but missing", id="no-uid"),
    ],
)
async def test_a_token_outside_the_documents_bounds_is_refused(
    client: httpx.AsyncClient, body: dict[str, object], error: str
) -> None:
    r = await client.post(TOKEN, json=body, headers=AUTH)
    assert r.status_code == 400 and r.json() == {"error": error}


async def test_the_token_is_accepted_wherever_bearer_auth_is_until_it_expires(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    bearer = {"Authorization": f"Bearer {await sts(client, ttl=60)}"}
    asked = await client.post("/api/v1/ask_camel", json={"message": "hi"}, headers=bearer)
    assert asked.status_code == 200
    threads = (await client.get("/api/v1/threads/", headers=bearer)).json()["results"]
    assert threads[0]["uid"] == "user-1"  # the token's uid, not the API key's
    assert (
        await client.post("/api/v1/knowledge-base/", json={"content": "x", "connection_id": 1}, headers=bearer)
    ).status_code == 201
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=bearer)).status_code == 200
    clock.advance(59)
    assert (await client.get("/api/v1/threads/1/", headers=bearer)).status_code == 200
    clock.advance(1)
    expired = await client.get("/api/v1/threads/1/", headers=bearer)
    assert expired.status_code == 401 and expired.headers["www-authenticate"].startswith("Bearer")
    assert expired.json()["error"] == (
        "Authorization: Bearer <STS token>: the token expired at 2026-01-01T00:01:00Z (the mock's clock says "
        "2026-01-01T00:01:00Z); get a new one from the token endpoint"
    )


async def test_a_token_this_mock_did_not_sign_is_refused_without_echoing_it(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    good = await sts(client)
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    foreign = generate_signer("ES256").sign(jwt.decode(good, options={"verify_signature": False}))
    iframe = await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)
    iframe_token = (await client.get(f"/api/v1/iframe/token/{iframe.json()['cache_key']}")).json()["token"]
    for token, reason in [
        (tampered, "its signature does not verify with this mock's key"),
        (foreign, "was not signed by this mock's key"),
        (iframe_token, "is not an STS token (it has no 'scopes' claim"),
        ("eyJub3QiOiJqc29uIn0.e30.x", "is not a JWT this mock can read"),
        ("eyJhbGciOiJub25lIn0.bad.", "is not a JWT this mock can read"),
    ]:
        r = await client.get("/api/v1/threads/", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and reason in r.json()["error"], (token, r.text)
        assert token not in r.text and signature not in r.text
        # The create's bearer-only fast path hands a JWT-shaped credential to the same check.
        created = await client.post("/api/v1/iframe/create", json=VALID, headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 401 and reason in created.json()["error"], (token, created.text)


async def test_plain_api_keys_are_checked_as_before(client: httpx.AsyncClient) -> None:
    wrong = await client.get("/api/v1/threads/", headers={"Authorization": "Bearer sk-wrong"})
    assert wrong.status_code == 401 and "is not one of the keys this mock accepts" in wrong.json()["error"]
    assert (await client.get("/api/v1/threads/", headers={"X-API-Key": "sk-test"})).status_code == 200


async def test_the_journal_redacts_sts_tokens(client: httpx.AsyncClient, mock: Mock) -> None:
    token = await sts(client)
    await client.get(f"/api/v1/threads/?t={token}", headers={"Authorization": f"Bearer {token}"})
    journal = (await client.get("/__mock/requests")).text
    assert token not in journal and token.split(".")[2] not in journal
    assert "[redacted JWT]" in journal and '"uid":"user-1"' in journal.replace(" ", "")
