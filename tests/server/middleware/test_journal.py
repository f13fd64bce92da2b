from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml

from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from mockserver.spec.contract import DEFAULT_SPEC
from tests.conftest import AUTH, T0, VALID, MakeClient


async def test_the_journal_records_validation_failures_with_their_messages(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/iframe/create", json={"uid": "u-9", "srcs": ["1"], "ttl": 5}, headers=AUTH)
    (entry,) = (await client.get("/__mock/requests")).json()["requests"]
    assert entry["status"] == 400 and entry["operation"] == "iframe_create_create" and entry["uid"] == "u-9"
    assert entry["errors"] == ["ttl: 5 is less than the minimum of 60"]
    assert entry["time"] == "2026-01-01T00:00:00Z" and entry["method"] == "POST"
    assert '"ttl":5' in entry["request"]["body"] and "ttl: 5" in entry["response"]["body"]


async def test_the_journal_never_shows_a_bearer_key_or_a_jwt(client: httpx.AsyncClient) -> None:
    key = (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()["cache_key"]
    token = (await client.get(f"/api/v1/iframe/token/{key}")).json()["token"]
    await client.post(
        "/api/v1/iframe/create", json={**VALID, "uid": token}, headers={"Authorization": f"Bearer {token}"}
    )
    text = (await client.get("/__mock/requests")).text
    assert "sk-test" not in text and token not in text and token.split(".")[1] not in text
    assert "[redacted JWT]" in text and "[redacted]" in text
    assert "sk-test" not in (await client.get("/__mock/")).text


async def test_the_journal_filters_by_path_status_and_uid(client: httpx.AsyncClient) -> None:
    key = (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()["cache_key"]
    await client.post("/api/v1/iframe/create", json={**VALID, "uid": "other", "ttl": 1}, headers=AUTH)
    await client.get(f"/iframe/{key}/")

    async def paths(query: str) -> list[str]:
        r = await client.get(f"/__mock/requests?{query}")
        assert r.status_code == 200
        return [e["path"] for e in r.json()["requests"]]

    assert await paths("status=400") == ["/api/v1/iframe/create"]
    assert await paths("uid=user-1") == ["/api/v1/iframe/create", f"/iframe/{key}/"]
    assert await paths("path=/iframe/*") == [f"/iframe/{key}/"]
    assert await paths(f"path=/iframe/{key}/&status=200") == [f"/iframe/{key}/"]
    for status in ("teapot", "٣٠٠", "99"):
        bad = await client.get("/__mock/requests", params={"status": status})
        assert bad.status_code == 400 and f"status: {status!r}" in bad.json()["error"]


async def test_the_journal_is_a_bounded_ring_and_can_be_cleared(make_client: MakeClient) -> None:
    client = await make_client(journal_size=3)
    for i in range(5):
        await client.get(f"/nowhere/{i}")
    journal = (await client.get("/__mock/requests")).json()
    assert journal["size"] == 3 and [e["path"] for e in journal["requests"]] == [f"/nowhere/{i}" for i in (2, 3, 4)]
    assert journal["requests"][0]["status"] == 404 and "no such endpoint" in journal["requests"][0]["error"]
    assert (await client.delete("/__mock/requests")).json()["requests"] == []
    assert (await client.get("/__mock/requests")).json()["requests"] == []


async def test_large_bodies_are_kept_only_in_part(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/iframe/create", json={**VALID, "knowledge_base_entries": ["x" * 10000]}, headers=AUTH)
    body = (await client.get("/__mock/requests")).json()["requests"][0]["request"]["body"]
    assert len(body) < 4200 and body.endswith("bytes in all)")


async def test_every_operation_of_the_contract_is_named_in_the_journal(client: httpx.AsyncClient, mock: Mock) -> None:
    created = (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()
    key = created["cache_key"]
    for path in (f"/api/v1/iframe/token/{key}", f"/iframe/{key}/", f"/iframe/{key}/messages", "/iframe-assets/chat.js",
                 "/.well-known/jwks.json", "/openapi.json"):  # fmt: skip
        assert (await client.get(path)).status_code == 200
    await client.post(f"/iframe/{key}/messages", json={"message": "hi"})
    named = {e["operation"] for e in await mock.store.journal("default")}
    assert named == set(mock.contract.operations)


def entry_size(entry: dict[str, Any]) -> int:
    return len(json.dumps(entry))


async def test_no_field_a_client_sends_makes_an_entry_larger_than_24_kb(client: httpx.AsyncClient) -> None:
    big = "x" * 1_000_000
    await client.post(
        "/api/v1/iframe/create",
        json={"uid": big, "srcs": [1] * 3000},
        headers={**AUTH, "X-Big": big, **{f"X-Many-{i}": "y" * 100 for i in range(100)}},
        params={"q": big[:60_000]},  # httpx's own limit on a URL part is 64 KiB
    )
    await client.get("/nowhere/" + big[:60_000])
    entries = (await client.get("/__mock/requests")).json()["requests"]
    assert [entry_size(e) < 24_000 for e in entries] == [True, True]
    create, nowhere = entries
    assert create["uid"] == "x" * 1024 + "… (1000000 characters in all)"
    assert create["query"] == "q=" + "x" * 1022 + "… (60002 characters in all)"
    assert create["error"].startswith("srcs[0]") and create["error"].endswith("… and more problems")
    assert len(create["error"]) < 1100 and len(create["errors"]) <= 11
    headers = create["request"]["headers"]
    assert headers["x-big"] == "x" * 1024 + "… (1000000 characters in all)"
    assert headers["…"].endswith("bytes, not kept") and "x-many-99" not in headers
    assert nowhere["path"] == "/nowhere/" + "x" * 1015 + "… (60009 characters in all)" and len(nowhere["error"]) < 1100


async def test_a_long_uid_is_journaled_once_cut_however_often_it_is_used(client: httpx.AsyncClient, mock: Mock) -> None:
    uid = "u" * 1_000_000
    key = (await client.post("/api/v1/iframe/create", json={**VALID, "uid": uid}, headers=AUTH)).json()["cache_key"]
    for _ in range(40):
        assert (await client.get(f"/iframe/{key}/messages")).status_code == 200
    entries = await mock.store.journal("default")
    assert len(entries) == 41 and sum(entry_size(e) for e in entries) < 41 * 8_000


async def test_the_uid_filter_finds_a_long_uid_by_the_same_cut(client: httpx.AsyncClient) -> None:
    for uid in ("u" * 5000, "u" * 5001):
        await client.post("/api/v1/iframe/create", json={**VALID, "uid": uid}, headers=AUTH)
    found = (await client.get("/__mock/requests", params={"uid": "u" * 5000})).json()["requests"]
    assert [e["uid"] for e in found] == ["u" * 1024 + "… (5000 characters in all)"]


async def test_a_flood_of_validation_errors_keeps_4_kib_of_them(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/iframe/create", json={"uid": "", "srcs": [1] * 5000, "ttl": 0}, headers=AUTH)
    (entry,) = (await client.get("/__mock/requests")).json()["requests"]
    assert sum(len(e) for e in entry["errors"]) < 4_200 and entry["errors"][-1].endswith("and more problems")


async def test_a_faults_large_body_is_journaled_cut(client: httpx.AsyncClient) -> None:
    body = {"detail": "z" * 60_000}  # under the 64 KiB a fault body may hold, over what the journal keeps
    await client.post("/__mock/faults", json={"path": "/api/v1/iframe/create", "status": 503, "body": body})
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 503
    (entry,) = (await client.get("/__mock/requests")).json()["requests"]
    assert entry["fault"]["status"] == 503 and entry["fault"]["body"].endswith("… (60013 bytes in all)")
    assert entry_size(entry) < 24_000


async def test_with_no_admin_nothing_is_journaled(make_client: MakeClient, settings: Settings) -> None:
    mock = build_mock(settings.with_overrides(admin=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(mock)), base_url="http://mock.test") as c:
        for _ in range(3):
            assert (await c.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
    assert await mock.store.journal("default") == []


async def test_an_x_api_key_header_is_redacted(client: httpx.AsyncClient) -> None:
    await client.get("/.well-known/jwks.json", headers={"X-API-Key": "sk-live-123", "Proxy-Authorization": "Basic x"})
    (entry,) = (await client.get("/__mock/requests")).json()["requests"]
    assert entry["request"]["headers"]["x-api-key"] == "[redacted]"
    assert entry["request"]["headers"]["proxy-authorization"] == "[redacted]"


async def test_every_credential_a_security_scheme_of_the_contract_names_is_redacted(tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT_SPEC.read_text())
    document["components"]["securitySchemes"].update(
        {
            "HeaderKey": {"type": "apiKey", "in": "header", "name": "X-Camel-Token"},
            "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "CookieKey": {"type": "apiKey", "in": "cookie", "name": "camel_key"},
        }
    )
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document))
    mock = build_mock(Settings(spec=str(spec), clock=f"frozen:{T0}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(mock)), base_url="http://mock.test") as c:
        await c.get(
            "/.well-known/jwks.json?a=1&api_key=secret-q&api%5Fkey=secret-e",
            headers={"X-Camel-Token": "secret-h", "Cookie": "camel_key=secret-c"},
        )
        text = (await c.get("/__mock/requests")).text
        (entry,) = (await c.get("/__mock/requests")).json()["requests"]
    assert "secret" not in text
    assert entry["query"] == "a=1&api_key=[redacted]&api%5Fkey=[redacted]"
    assert entry["request"]["headers"]["x-camel-token"] == "[redacted]" == entry["request"]["headers"]["cookie"]


async def test_the_journal_drops_the_write_only_fields_the_document_names(make_client: MakeClient) -> None:
    vendor = "contracts/vendor/camelai-api-2025-08-18.openapi.yaml"  # ApiKeyAuth: X-API-Key; writeOnly passwords
    client = await make_client(spec=vendor)
    body = {"name": "db", "type": "PostgreSQL", "password": "hunter2"}
    await client.post("/api/v1/sources/add/", json=body, headers={"X-API-Key": "sk-live-9"})
    journal = await client.get("/__mock/requests")
    assert "sk-live-9" not in journal.text and "hunter2" not in journal.text
    request = journal.json()["requests"][-1]["request"]
    assert request["headers"]["x-api-key"] == "[redacted]" and '"password":"[redacted]"' in request["body"]


async def test_a_write_only_value_that_breaks_its_schema_is_neither_answered_nor_journaled(
    make_client: MakeClient,
) -> None:
    # A password sent as a number was quoted back: `password: 987654321 is not of type "string"`.
    client = await make_client(spec="contracts/vendor/camelai-api-2025-08-18.openapi.yaml")
    body = {"type": "CLICKHOUSE", "host": "db.example", "username": "u", "password": 987654321}
    refused = await client.post("/api/v1/sources/add/clickhouse/", json=body, headers={"X-API-Key": "sk-live-9"})
    assert refused.status_code == 400 and "password: [redacted]" in refused.text
    journal = await client.get("/__mock/requests")
    assert "987654321" not in refused.text + journal.text


async def test_a_request_answered_before_routing_is_journaled_with_its_operation() -> None:
    # A queued fault and the per-IP limit answer before the router names the operation; the journal names it anyway.
    mock = build_mock(Settings(clock=f"frozen:{T0}", ip_rate_limit=1))
    transport = httpx.ASGITransport(app=create_app(mock), client=("10.0.0.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        await client.post("/__mock/faults", json={"path": "/api/v1/iframe/create", "status": 503})
        assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 503
        assert (await client.get("/iframe/nope/")).status_code == 404
        assert (await client.get("/iframe/nope/")).status_code == 429
        assert (await client.get("/nowhere")).status_code == 404
        journal = (await client.get("/__mock/requests")).json()["requests"]
    assert [(e["status"], e["operation"]) for e in journal] == [
        (503, "iframe_create_create"),
        (404, "mock_iframe_page_retrieve"),
        (429, "mock_iframe_page_retrieve"),
        (404, None),
    ]
