from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mockserver.config import Settings
from mockserver.core.errors import ApiError
from mockserver.mock import Mock, build_mock
from mockserver.server.sessions import session_named
from tests.conftest import AUTH, VALID

A = {"X-Mock-Session": "worker-a"}
B = {"X-Mock-Session": "worker-b"}


async def test_two_sessions_with_the_same_uid_do_not_see_each_others_counters_or_journal(
    client: httpx.AsyncClient,
) -> None:
    body = {**VALID, "limits": {"hourly": 1}}
    key_a = (await client.post("/api/v1/iframe/create", json=body, headers={**AUTH, **A})).json()["cache_key"]
    key_b = (await client.post("/api/v1/iframe/create", json=body, headers={**AUTH, **B})).json()["cache_key"]
    assert (await client.post(f"/iframe/{key_a}/messages", json={"message": "a"}, headers=A)).status_code == 200
    assert (await client.post(f"/iframe/{key_a}/messages", json={"message": "a"}, headers=A)).status_code == 429
    assert (await client.post(f"/iframe/{key_b}/messages", json={"message": "b"}, headers=B)).status_code == 200

    thread_b = (await client.get(f"/iframe/{key_b}/messages", headers=B)).json()["messages"]
    assert [m["content"] for m in thread_b if m["role"] == "user"] == ["b"]
    assert (await client.get(f"/iframe/{key_a}/messages", headers=B)).status_code == 404  # tokens too
    assert (await client.get(f"/iframe/{key_a}/messages")).status_code == 404  # and the default session

    journal_a = (await client.get("/__mock/requests", headers=A)).json()["requests"]
    journal_b = (await client.get("/__mock/requests", headers=B)).json()["requests"]
    assert [e["status"] for e in journal_a] == [200, 200, 429]
    assert [e["status"] for e in journal_b] == [200, 200, 200, 404]
    assert (await client.get("/__mock/requests")).json()["requests"][0]["status"] == 404


async def test_faults_and_reset_stay_in_their_session(client: httpx.AsyncClient) -> None:
    await client.post("/__mock/faults", json={"status": 500, "count": 5}, headers=A)
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers={**AUTH, **B})).status_code == 200
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers={**AUTH, **A})).status_code == 500
    assert (await client.post("/__mock/reset", json={}, headers=B)).json() == {"reset": "worker-b"}
    assert len((await client.get("/__mock/faults", headers=A)).json()["faults"]) == 1


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        pytest.param("", "shorter than 1 character", id="empty"),
        pytest.param("x" * 201, "longer than 200 characters", id="long"),
        pytest.param("a\x85b", "does not match", id="control"),
    ],
)
async def test_an_unusable_session_name_is_a_400_naming_the_rule(
    client: httpx.AsyncClient, name: str, rule: str
) -> None:
    header = {"X-Mock-Session": name.encode()}
    for r in (
        await client.get("/__mock/requests", headers=header),
        await client.post("/api/v1/iframe/create", json=VALID, headers={**AUTH, **header}),
        await client.get("/iframe/some-key/", params={"mock_session": name}),
    ):
        assert r.status_code == 400 and r.json()["error"].startswith("X-Mock-Session: ") and rule in r.json()["error"]


def test_session_names_follow_the_contracts_rule_which_a_users_overlay_can_change(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: mine, version: '1'}\nactions:\n"
        "  - target: $.components.parameters.MockSession.schema\n    update: {maxLength: 5}\n"
    )
    mock = build_mock(Settings(overlays=(str(overlay),)))
    assert session_named(mock, "abcde") == "abcde"
    with pytest.raises(ApiError, match="longer than 5 characters"):
        session_named(mock, "abcdef")


async def test_an_iframe_url_carries_its_session_for_a_browser_that_cannot_send_the_header(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post("/api/v1/iframe/create", json=VALID, headers={**AUTH, **A})).json()
    key = created["cache_key"]
    assert created["iframe_url"] == f"http://mock.test/iframe/{key}/?mock_session=worker-a"
    page = await client.get(created["iframe_url"])
    assert page.status_code == 200 and 'action="messages?mock_session=worker-a"' in page.text
    sent = await client.post(f"/iframe/{key}/messages?mock_session=worker-a", data={"message": "hi"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/iframe/{key}/?mock_session=worker-a"
    assert (await client.get(f"/api/v1/iframe/token/{key}?mock_session=worker-a")).status_code == 200
    assert (await client.get(f"/iframe/{key}/")).status_code == 404  # the default session has no such link
    journal = (await client.get("/__mock/requests", headers=A)).json()["requests"]
    assert len(journal) == 4
    default = (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()["iframe_url"]
    assert "?" not in default


async def test_a_percent_encoded_session_parameter_means_the_same_session_to_endpoint_and_journal(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    await client.get("/iframe/nope/?mock%5Fsession=encoded")
    assert [e["path"] for e in await mock.store.journal("encoded")] == ["/iframe/nope/"]
