from __future__ import annotations

import httpx
import jwt
import pytest

from mockserver.config import Settings
from mockserver.core.clock import parse_time
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, SPEC_2025, T0, VALID, MakeClient


async def test_the_clock_reads_and_moves_forward(client: httpx.AsyncClient) -> None:
    assert (await client.get("/__mock/clock")).json() == {"now": T0, "epoch": parse_time(T0), "frozen": True}
    r = await client.post("/__mock/clock", json={"advance": 90.5})
    assert r.status_code == 200 and r.json()["now"] == "2026-01-01T00:01:30.500000Z"
    r = await client.post("/__mock/clock", json={"set": "2026-02-01T00:00:00Z"})
    assert r.json()["epoch"] == parse_time("2026-02-01T00:00:00Z")


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        pytest.param({"set": "2025-01-01T00:00:00Z"}, 409, '"allow_backwards": true', id="backwards"),
        pytest.param({"advance": -1}, 400, "advance: -1 is less than the minimum of 0", id="negative"),
        pytest.param({"advance": 1, "set": T0}, 400, "advance + set: both sent", id="both"),
        pytest.param({}, 400, "send `advance` or `set`", id="neither"),
        pytest.param({"set": "tomorrow"}, 400, 'set: "tomorrow" is not a "date-time"', id="not-a-time"),
        pytest.param({"set": "2026-13-01T00:00:00Z"}, 400, 'is not a "date-time"', id="month-13"),
        pytest.param({"set": "2026-12-31T23:59:60Z"}, 409, "clock cannot hold it", id="leap-second"),
        pytest.param({"set": "9999-12-31T00:00:00Z"}, 409, "outside 1970", id="too-late"),
        pytest.param({"set": "0001-01-01T00:00:00+14:00", "allow_backwards": True}, 409, "outside", id="too-early"),
        pytest.param({"advance": 1, "speed": 2}, 400, "speed", id="unknown-field"),
    ],
)
async def test_clock_moves_it_cannot_make_are_refused_with_the_reason(
    client: httpx.AsyncClient, body: object, status: int, expected: str
) -> None:
    r = await client.post("/__mock/clock", json=body)
    assert r.status_code == status
    assert expected in r.json()["error"]
    assert (await client.get("/__mock/clock")).json()["now"] == T0


async def test_set_backwards_when_allowed(client: httpx.AsyncClient) -> None:
    r = await client.post("/__mock/clock", json={"set": "2025-01-01T00:00:00Z", "allow_backwards": True})
    assert r.status_code == 200 and r.json()["now"] == "2025-01-01T00:00:00Z"


async def test_tokens_follow_the_clock_moved_through_the_admin_api(client: httpx.AsyncClient) -> None:
    key = (await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 60}, headers=AUTH)).json()["cache_key"]
    await client.post("/__mock/clock", json={"advance": 30})
    token = (await client.get(f"/api/v1/iframe/token/{key}")).json()
    assert token["expires_in"] == 30
    assert jwt.decode(token["token"], options={"verify_signature": False})["exp"] == parse_time(T0) + 60
    await client.post("/__mock/clock", json={"advance": 30})
    assert (await client.get(f"/api/v1/iframe/token/{key}")).status_code == 404
    created = await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)
    new = (await client.get(f"/api/v1/iframe/token/{created.json()['cache_key']}")).json()["token"]
    assert jwt.decode(new, options={"verify_signature": False})["iat"] == parse_time(T0) + 60


async def test_reset_empties_the_session_but_keeps_the_clock(client: httpx.AsyncClient) -> None:
    key = (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()["cache_key"]
    await client.post(f"/iframe/{key}/messages", json={"message": "hi"})
    await client.post("/__mock/faults", json={"path": "/nowhere", "status": 500})
    await client.post("/__mock/clock", json={"advance": 5})
    assert (await client.post("/__mock/reset", json={})).json() == {"reset": "default"}
    assert (await client.get(f"/iframe/{key}/messages")).status_code == 404
    assert (await client.get("/__mock/faults")).json() == {"faults": []}
    journal = (await client.get("/__mock/requests")).json()["requests"]
    assert [e["path"] for e in journal] == [f"/iframe/{key}/messages"]  # only the request after the reset
    assert (await client.get("/__mock/clock")).json()["epoch"] == parse_time(T0) + 5


async def test_an_admin_key_protects_the_admin_api(make_client: MakeClient) -> None:
    client = await make_client(admin_key="adm-secret")
    refused = await client.get("/__mock/clock")
    assert refused.status_code == 401 and "--admin-key" in refused.json()["error"]
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get("/__mock/clock", headers={"Authorization": "Bearer wrong"})).status_code == 401
    ok = await client.get("/__mock/clock", headers={"Authorization": "Bearer adm-secret"})
    assert ok.status_code == 200
    doc = (await client.get("/__mock/openapi.json", headers={"Authorization": "Bearer adm-secret"})).json()
    assert doc["security"] == [{"AdminKey": []}]


async def test_no_admin_turns_the_admin_api_off(make_client: MakeClient) -> None:
    client = await make_client(admin=False)
    for path in ("/__mock/", "/__mock/clock", "/__mock/requests", "/__mock/openapi.json"):
        assert (await client.get(path)).status_code == 404
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200


async def test_the_admin_document_is_served_and_marked_as_a_mock_addition(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/__mock/openapi.json")).json()
    assert doc["info"]["x-mock"] is True and "security" not in doc
    assert "/__mock/faults" in doc["paths"] and "/__mock/clock" in doc["paths"]


async def test_the_admin_page_shows_the_journal_newest_first_with_errors_clock_and_links(
    client: httpx.AsyncClient,
) -> None:
    key = (await client.post("/api/v1/iframe/create", json={**VALID, "uid": "<b>u</b>"}, headers=AUTH)).json()
    await client.post("/api/v1/iframe/create", json={"uid": "x", "srcs": [], "ttl": 5}, headers=AUTH)
    page = await client.get("/__mock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.index("ttl: 5 is less than the minimum of 60") < html.index('class="s2"')  # newest first
    assert 'class="s4"' in html and T0 in html and key["cache_key"] in html
    assert "&lt;b&gt;u&lt;/b&gt;" in html and "<b>u</b>" not in html


async def test_an_unknown_query_parameter_is_refused_not_ignored(client: httpx.AsyncClient) -> None:
    r = await client.get("/__mock/requests?stauts=500")
    assert r.status_code == 400 and "'stauts' is not known here; accepted: id, path, status, uid" in r.json()["error"]


async def test_a_worker_started_later_follows_a_clock_moved_through_the_store(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    await client.post("/__mock/clock", json={"advance": 3600})
    later = build_mock(Settings(clock="real"), store=mock.store)  # another worker sharing the store
    app = create_app(later)
    async with app.router.lifespan_context(app):
        assert later.clock.now() == parse_time(T0) + 3600


async def test_the_violations_report_is_documented_and_empty_where_the_mock_refuses_instead(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 5}, headers=AUTH)  # a 400, not a violation
    report = (await client.get("/__mock/violations")).json()
    assert report == {"exchanges": 0, "with_violations": 0, "total": 0, "violations": []}
    document = (await client.get("/__mock/openapi.json")).json()
    assert {"get", "delete"} <= set(document["paths"]["/__mock/violations"])


async def test_the_diff_from_an_older_document_is_served_and_documented(make_client: MakeClient) -> None:
    client = await make_client(diff_from=SPEC_2025)
    report = (await client.get("/__mock/diff")).json()
    assert report["old"] == SPEC_2025
    assert report["summary"]["behaviour"] >= 4
    default = next(c for c in report["changes"] if c["change"] == "default changed")
    assert (default["where"], default["old"], default["new"]) == (
        "POST /api/v1/iframe/create › request body › model › default",
        "o3",
        "gpt-5",
    )
    document = (await client.get("/__mock/openapi.json")).json()
    assert document["paths"]["/__mock/diff"]["get"]["operationId"] == "admin_diff_get"


async def test_without_diff_from_the_diff_is_a_404_saying_how_to_get_one(client: httpx.AsyncClient) -> None:
    r = await client.get("/__mock/diff")
    assert r.status_code == 404
    assert "--diff-from OLD" in r.json()["error"]
