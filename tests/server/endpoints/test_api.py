from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from mockserver.config import ConfigError, KeyPolicy, Settings, load_config_file
from mockserver.core.clock import Clock
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.spec.contract import DEFAULT_SPEC
from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, T0, VALID, MakeClient

VENDOR_2025 = Path(__file__).parents[3] / "contracts/vendor/camelai-api-2025-08-18.openapi.yaml"

JSON = {"content-type": "application/json"}


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


async def test_cache_keys_and_jtis_are_fresh_and_independent(client: httpx.AsyncClient) -> None:
    keys, jtis = set(), set()
    for _ in range(50):
        key = (await create(client)).json()["cache_key"]
        token = (await client.get(f"/api/v1/iframe/token/{key}")).json()["token"]
        jti = jwt.decode(token, options={"verify_signature": False})["jti"]
        assert len(key) == 32 and len(jti) == 22  # 192 and 128 random bits
        assert key not in token  # the token never gives away the key it is cached under
        keys.add(key)
        jtis.add(jti)
    assert len(keys) == len(jtis) == 50


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


async def verified_claims(client: httpx.AsyncClient, cache_key: str) -> dict[str, Any]:
    """The claims of the token behind `cache_key`, verified against the mock's JWKS as an iframe backend would."""
    token = (await client.get(f"/api/v1/iframe/token/{cache_key}")).json()["token"]
    jwks = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    claims: dict[str, Any] = jwt.decode(
        token,
        jwks[jwt.get_unverified_header(token)["kid"]],
        algorithms=["ES256"],
        audience="camelai-iframe",
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return claims


async def test_the_create_follows_the_2025_document_when_that_is_the_one_in_use(make_client: MakeClient) -> None:
    client = await make_client(spec=str(VENDOR_2025))
    sent = {**VALID, "ttl": 120, "ip_rate_limit_send_message": 5, "unknown": "dropped"}
    answer = await create(client, sent)
    assert answer.status_code == 200 and answer.json()["expires_in"] == 120
    claims = await verified_claims(client, answer.json()["cache_key"])
    # Its model list and default, and the fields the mock has no behaviour for, all come from that document.
    assert claims["model"] == "o3" and claims["sub"] == "user-1" and claims["exp"] == claims["iat"] + 120
    assert claims["ip_rate_limit_send_message"] == 5 and claims["ip_rate_limit_window"] == 60
    assert claims["srcs"] == ["123"] and claims["knowledge_base_entries"] == [] and claims["reference_queries"] == []
    assert not {"response_mode", "show_sidebar", "theme", "limits", "unknown", "uid", "ttl"} & set(claims)
    assert (await client.get(f"/iframe/{answer.json()['cache_key']}/")).status_code == 200

    for body, expected in [
        ({**VALID, "model": "gpt-5"}, 'model: "gpt-5" is not one of "o3", "o4-mini"'),
        ({**VALID, "ip_rate_limit_window": 0}, "ip_rate_limit_window: 0 is less than the minimum of 1"),
    ]:
        refused = await create(client, body)
        assert refused.status_code == 400 and refused.json() == {"error": expected}


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
        pytest.param(b"", "application/json", 400, "body: is required but missing", id="empty"),
        pytest.param(b"\xff\xfe{}", "application/json", 400, "not valid UTF-8", id="not-utf8"),
        pytest.param(b"[1]", "application/json", 400, 'body: [1] is not of type "object"', id="array"),
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


async def keyed_client(settings: Settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(build_mock(settings)))
    return httpx.AsyncClient(transport=transport, base_url="http://mock.test")


async def test_configured_keys_only_and_a_bearer_challenge() -> None:
    async with await keyed_client(Settings(api_keys={"sk-good": KeyPolicy()})) as client:
        refused = await create(client, headers={"Authorization": "Bearer sk-bad"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert "is not one of the keys" in refused.json()["error"]
        assert (await create(client, headers={"Authorization": "Bearer sk-good"})).status_code == 200
        assert (await create(client, headers={})).status_code == 401


async def test_anonymous_creates_when_allowed() -> None:
    async with await keyed_client(Settings(allow_anonymous=True)) as client:
        assert (await create(client, headers={})).status_code == 200


async def test_a_key_limited_to_some_models(tmp_path: Path) -> None:
    config = tmp_path / "mock.yaml"
    config.write_text("api_keys:\n  sk-free: {models: [gpt-5]}\n  sk-pro: {}\n")
    async with await keyed_client(load_config_file(config)) as client:
        free = {"Authorization": "Bearer sk-free"}
        assert (await create(client, VALID, free)).status_code == 200  # gpt-5 is the default model
        refused = await create(client, {**VALID, "model": "o3"}, free)
        assert refused.status_code == 400 and "this key may use: gpt-5" in refused.json()["error"]
        assert (await create(client, {**VALID, "model": "o3"}, {"Authorization": "Bearer sk-pro"})).status_code == 200


async def test_public_url_shapes_iframe_url_and_issuer() -> None:
    async with await keyed_client(Settings(public_url="https://mock.example/base/")) as client:
        body = (await create(client)).json()
        assert body["iframe_url"] == f"https://mock.example/base/iframe/{body['cache_key']}/"
        token = (await client.get(f"/api/v1/iframe/token/{body['cache_key']}")).json()["token"]
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == "https://mock.example/base"


async def test_token_lookup_counts_down_and_ends(client: httpx.AsyncClient, clock: Clock) -> None:
    key = (await create(client, {**VALID, "ttl": 60})).json()["cache_key"]
    clock.advance(59.5)
    assert (await client.get(f"/api/v1/iframe/token/{key}")).json()["expires_in"] == 1
    clock.advance(0.5)
    gone = await client.get(f"/api/v1/iframe/token/{key}")
    assert gone.status_code == 404 and "has expired" in gone.json()["error"]
    never = await client.get("/api/v1/iframe/token/nope")
    assert never.status_code == 404 and "never issued" in never.json()["error"]


async def test_sessions_do_not_see_each_others_links(client: httpx.AsyncClient) -> None:
    key = (await client.post("/api/v1/iframe/create", json=VALID, headers={**AUTH, "X-Mock-Session": "a"})).json()[
        "cache_key"
    ]
    assert (await client.get(f"/api/v1/iframe/token/{key}", headers={"X-Mock-Session": "a"})).status_code == 200
    assert (await client.get(f"/api/v1/iframe/token/{key}", headers={"X-Mock-Session": "b"})).status_code == 404
    assert (await client.get(f"/api/v1/iframe/token/{key}")).status_code == 404


async def test_served_contract_names_the_mock_as_server(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["servers"] == [{"url": "http://mock.test", "description": "this mock", "x-mock": True}]


def test_oversized_body_is_refused_without_reading_it(live: ThreadedServer) -> None:
    limit = live.mock.settings.max_body_bytes
    with httpx.Client(base_url=live.url) as client:
        declared = client.post("/api/v1/iframe/create", content=b"x" * (limit + 1), headers={**AUTH, **JSON})
        assert declared.status_code == 413 and str(limit) in declared.json()["error"]

        def chunks() -> Iterator[bytes]:
            yield b'{"uid": "'
            yield b"x" * limit
            yield b'"}'

        streamed = client.post("/api/v1/iframe/create", content=chunks(), headers={**AUTH, **JSON})
        assert streamed.status_code == 413


def test_create_over_a_real_socket(live: ThreadedServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        body = client.post("/api/v1/iframe/create", json=VALID, headers=AUTH).json()
        assert body["iframe_url"] == f"{live.url}/iframe/{body['cache_key']}/"
        assert client.get(body["iframe_url"]).status_code == 200


async def test_integers_beyond_64_bits_are_carried_into_the_token(client: httpx.AsyncClient) -> None:
    # Found by schemathesis: valid JSON, valid against the schema, and once a 500.
    body = {**VALID, "theme_id": 2**70, "limits": {"monthly": 2**80}}
    key = (await create(client, body)).json()["cache_key"]
    token = (await client.get(f"/api/v1/iframe/token/{key}")).json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["theme_id"] == 2**70 and claims["limits"] == {"monthly": 2**80}


async def test_an_operation_without_behaviour_of_its_own_is_served_from_the_document(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(DEFAULT_SPEC.read_text().replace("operationId: mock_jwks_retrieve", "operationId: mock_keys"))
    app = create_app(build_mock(Settings(spec=str(spec), clock="frozen")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200 and isinstance(answer.json()["keys"], list)  # drawn from its schema


def test_a_limit_window_the_mock_cannot_time_stops_start_up(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        DEFAULT_SPEC.read_text().replace(
            "        hourly:\n          type: integer",
            "        minutely:\n          type: integer\n"
            "          minimum: 1\n        hourly:\n          type: integer",
            1,
        )
    )
    with pytest.raises(ConfigError, match=r"limits\.minutely: a window the mock has no length for"):
        build_mock(Settings(spec=str(spec)))


async def test_a_body_of_340000_bad_items_is_answered_with_ten_problems_not_16_megabytes(
    client: httpx.AsyncClient,
) -> None:
    raw = b'{"uid": "u", "srcs": [' + b",".join([b'""'] * 340_000) + b"]}"
    assert len(raw) < 1024 * 1024  # under the body limit: the validator sees every item
    r = await client.post("/api/v1/iframe/create", content=raw, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 400 and len(r.content) < 600
    problems = r.json()["error"].split("; ")
    assert problems[:2] == ['srcs[0]: "" is shorter than 1 character', 'srcs[1]: "" is shorter than 1 character']
    assert len(problems) == 11 and problems[-1] == "… and more problems"
    entry = (await client.get("/__mock/requests")).json()["requests"][0]
    assert entry["errors"] == problems


SECRET = "sk-Zq7X9wVb3Kp2Rt8Lmn4"  # no four characters of it in a row occur in an answer by chance
BASIC = base64.b64encode(f"user:{SECRET}".encode()).decode()
# Every malformed shape a credential may come in: (Authorization header, the part of it that is secret).
MALFORMED = [
    pytest.param(SECRET, SECRET, id="key-alone"),
    pytest.param(f"  {SECRET}  ", SECRET, id="key-alone-padded"),
    pytest.param(f"{SECRET} Bearer", SECRET, id="scheme-after"),
    pytest.param(f"{SECRET} extra words", SECRET, id="key-then-words"),
    pytest.param(f"Bearer:{SECRET}", SECRET, id="colon"),
    pytest.param(f"Bearer\t{SECRET}", SECRET, id="tab"),
    pytest.param(f"Bearer{SECRET}", SECRET, id="no-space"),
    pytest.param(f"bearer={SECRET}", SECRET, id="equals"),
    pytest.param(f"'Bearer {SECRET}'", SECRET, id="quoted"),
    pytest.param(f"Authorization: Bearer {SECRET}", SECRET, id="header-name-in-value"),
    pytest.param(f"Token {SECRET}", SECRET, id="token-scheme"),
    pytest.param(f"Basic {BASIC}", BASIC, id="basic"),
    pytest.param(f'Digest username="u", response="{SECRET}"', SECRET, id="digest"),
    pytest.param(f"Bearer {SECRET}-wrong", SECRET, id="wrong-key"),
    pytest.param(f"Bearer {SECRET} {SECRET}", SECRET, id="two-keys"),
    pytest.param(f"Bearer Bearer {SECRET}", SECRET, id="scheme-twice"),
    pytest.param(f"bEaReR {SECRET[:-1]}", SECRET[:-1], id="one-character-short"),
]


def pieces(secret: str) -> set[str]:
    """Every four characters of it in a row: no part of a credential may be repeated."""
    return {secret[i : i + 4] for i in range(len(secret) - 3)}


@pytest.mark.parametrize("settings", [Settings(clock=f"frozen:{T0}", api_keys={"sk-test": KeyPolicy()})])
@pytest.mark.parametrize(("header", "secret"), MALFORMED)
async def test_a_refused_credential_is_repeated_neither_in_the_answer_nor_in_the_journal(
    client: httpx.AsyncClient, header: str, secret: str
) -> None:
    r = await client.post("/api/v1/iframe/create", json=VALID, headers={"Authorization": header})
    assert r.status_code == 401 and r.json()["error"].startswith("Authorization: ")
    journal = (await client.get("/__mock/requests")).text
    assert [p for p in pieces(secret) if p in r.text] == []
    assert [p for p in pieces(secret) if p in journal] == []


@pytest.mark.parametrize(("header", "secret"), MALFORMED)
async def test_the_admin_api_repeats_no_part_of_a_refused_key(
    make_client: MakeClient, header: str, secret: str
) -> None:
    client = await make_client(admin_key=SECRET)
    r = await client.get("/__mock/requests", headers={"Authorization": header})
    assert r.status_code == 401
    assert [p for p in pieces(secret) if p in r.text] == []
