from __future__ import annotations

import httpx
import pytest

from mockserver.server.middleware.faults import MAX_FAULT_BODY_BYTES, MAX_QUEUED_FAULTS
from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, VALID

CREATE = "/api/v1/iframe/create"


async def test_a_status_fault_answers_the_next_count_matching_requests(client: httpx.AsyncClient) -> None:
    queued = await client.post("/__mock/faults", json={"path": CREATE, "count": 2, "status": 503})
    assert queued.status_code == 201 and queued.json()["faults"][0]["count"] == 2
    first, second, third = [await client.post(CREATE, json=VALID, headers=AUTH) for _ in range(3)]
    assert first.status_code == second.status_code == 503 and "fault injected" in first.json()["error"]
    assert third.status_code == 200
    statuses = [e["status"] for e in (await client.get("/__mock/requests")).json()["requests"]]
    assert statuses == [503, 503, 200]


async def test_a_fault_answers_with_the_given_body_only_on_its_path_and_method(client: httpx.AsyncClient) -> None:
    await client.post("/__mock/faults", json={"path": CREATE, "method": "POST", "status": 429, "body": {"detail": "x"}})
    assert (await client.get("/.well-known/jwks.json")).status_code == 200
    r = await client.post(CREATE, json=VALID, headers=AUTH)
    assert r.status_code == 429 and r.json() == {"detail": "x"}
    assert (await client.get("/__mock/faults")).json() == {"faults": []}


async def test_faults_can_be_listed_and_cleared(client: httpx.AsyncClient) -> None:
    await client.post("/__mock/faults", json={"status": 500, "count": 3})
    assert len((await client.get("/__mock/faults")).json()["faults"]) == 1
    assert (await client.delete("/__mock/faults")).json() == {"faults": []}
    assert (await client.post(CREATE, json=VALID, headers=AUTH)).status_code == 200


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        pytest.param({"path": CREATE}, "send at least one of status, body, delay or drop", id="nothing-to-do"),
        pytest.param({"drop": False}, "send at least one of", id="drop-false"),
        pytest.param({"status": 204}, "status: 204 is not allowed", id="no-body-status"),
        pytest.param({"status": 500, "count": 0}, "count: 0 is less than the minimum of 1", id="count"),
        pytest.param({"delay": 61}, "delay: 61 is greater than the maximum of 60", id="delay"),
        pytest.param({"status": 500, "path": "api"}, 'path: "api" does not match', id="path"),
    ],
)
async def test_faults_that_make_no_sense_are_refused(client: httpx.AsyncClient, fault: object, expected: str) -> None:
    r = await client.post("/__mock/faults", json=fault)
    assert r.status_code == 400 and expected in r.json()["error"]


def test_a_delay_fault_makes_a_client_timeout_fire(live: ThreadedServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        client.post("/__mock/faults", json={"path": CREATE, "delay": 0.3})
        with pytest.raises(httpx.ReadTimeout):
            client.post(CREATE, json=VALID, headers=AUTH, timeout=0.05)
        assert client.post(CREATE, json=VALID, headers=AUTH).status_code == 200


def test_a_drop_fault_closes_the_connection_without_an_answer(
    live: ThreadedServer, caplog: pytest.LogCaptureFixture
) -> None:
    with httpx.Client(base_url=live.url) as client:
        client.post("/__mock/faults", json={"path": CREATE, "drop": True})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(CREATE, json=VALID, headers=AUTH)
        assert client.post(CREATE, json=VALID, headers=AUTH).status_code == 200
        (entry, _) = client.get("/__mock/requests").json()["requests"]
        assert entry["outcome"] == "dropped" and entry["status"] is None
    assert not [r for r in caplog.records if r.exc_info], "a requested drop is not logged as a server error"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(b"x" * 201, id="too-long"),
        pytest.param(b"a\xc2\x85b", id="control-character"),
        pytest.param(b"\xe9quipe", id="not-utf8"),
    ],
)
async def test_a_request_naming_an_unusable_session_takes_no_fault(client: httpx.AsyncClient, name: bytes) -> None:
    await client.post("/__mock/faults", json={"path": CREATE, "status": 418})
    refused = await client.post(CREATE, json=VALID, headers={**AUTH, "X-Mock-Session": name})
    assert refused.status_code == 400 and refused.json()["error"].startswith("X-Mock-Session: ")
    assert [f["count"] for f in (await client.get("/__mock/faults")).json()["faults"]] == [1]
    assert (await client.post(CREATE, json=VALID, headers=AUTH)).status_code == 418


async def test_a_session_queues_at_most_the_cap_of_faults(client: httpx.AsyncClient) -> None:
    added = [(await client.post("/__mock/faults", json={"status": 500})).status_code for _ in range(MAX_QUEUED_FAULTS)]
    assert added == [201] * MAX_QUEUED_FAULTS
    refused = await client.post("/__mock/faults", json={"status": 500})
    assert refused.status_code == 409
    assert refused.json()["error"] == (
        "faults: session 'default' already queues 100 faults, the most a session may queue; "
        "DELETE /__mock/faults empties the queue, and each fault leaves it once used count times"
    )
    assert len((await client.get("/__mock/faults")).json()["faults"]) == MAX_QUEUED_FAULTS
    await client.delete("/__mock/faults")
    assert (await client.post("/__mock/faults", json={"status": 500})).status_code == 201


def error_of_size(size: int) -> dict[str, str]:
    """A fault body whose JSON is `size` bytes: {"error":"xx..."}."""
    return {"error": "x" * (size - len('{"error":""}'))}


async def test_a_fault_body_is_at_most_64_kib_as_json(client: httpx.AsyncClient) -> None:
    assert (await client.post("/__mock/faults", json={"body": error_of_size(MAX_FAULT_BODY_BYTES)})).status_code == 201
    refused = await client.post("/__mock/faults", json={"body": error_of_size(MAX_FAULT_BODY_BYTES + 1)})
    assert refused.status_code == 400
    assert refused.json()["error"] == "body: 65537 bytes as JSON, more than the 65536 (64 KiB) a fault's body may hold"
    assert len((await client.get("/__mock/faults")).json()["faults"]) == 1


async def test_the_admin_document_states_the_fault_caps(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/__mock/openapi.json")).json()
    add = doc["paths"]["/__mock/faults"]["post"]
    assert f"at most {MAX_QUEUED_FAULTS} queued faults (MAX_QUEUED_FAULTS)" in add["description"]
    assert f"already queues {MAX_QUEUED_FAULTS} faults" in add["responses"]["409"]["description"]
    body = doc["components"]["schemas"]["Fault"]["properties"]["body"]["description"]
    assert f"At most {MAX_FAULT_BODY_BYTES} bytes (64 KiB) as JSON (MAX_FAULT_BODY_BYTES)" in body
