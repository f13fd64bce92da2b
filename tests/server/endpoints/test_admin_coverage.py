"""`GET /__mock/coverage` and `DELETE /__mock/coverage`: the counters of what the mock served, as a report."""

from __future__ import annotations

import json

import httpx

from tests.conftest import AUTH, VALID, MakeClient


async def test_a_served_answer_and_a_refusal_are_counted_with_the_rule_broken(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
    assert (await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 5}, headers=AUTH)).status_code == 400
    assert (await client.post("/api/v1/iframe/create", json=VALID)).status_code == 401
    report = (await client.get("/__mock/coverage")).json()
    create = report["operations"]["iframe_create_create"]
    assert create["answers"]["200"]["count"] == 1
    assert create["answers"]["400"]["count"] == 1
    assert create["refusals"] == {"body": 1, "auth": 1}
    assert create["sent"]["body.uid"] == 2  # the 401 was refused before its body was read
    assert create["sent"]["body.ttl"] == 1
    [breach] = report["breaches"]
    assert breach | {"first_request": None} == {
        "operation": "iframe_create_create",
        "field": "body.ttl",
        "rule": "minimum",
        "count": 1,
        "first_seen": "2026-01-01T00:00:00Z",
        "first_request": None,
    }
    assert "iframe_create_create" not in report["not_called"]


async def test_a_breach_names_its_first_request_which_the_journal_finds_by_id(client: httpx.AsyncClient) -> None:
    for ttl in (5, 6):
        await client.post("/api/v1/iframe/create", json={**VALID, "ttl": ttl}, headers=AUTH)
    [breach] = (await client.get("/__mock/coverage")).json()["breaches"]
    assert breach["count"] == 2
    [entry] = (await client.get("/__mock/requests", params={"id": breach["first_request"]})).json()["requests"]
    assert json.loads(entry["request"]["body"])["ttl"] == 5
    entries = (await client.get("/__mock/requests")).json()["requests"]
    assert len({e["id"] for e in entries}) == len(entries) == 2


async def test_prefer_counts_the_answer_it_chose_and_hints_list_what_was_not(client: httpx.AsyncClient) -> None:
    assert "iframe_create_create" in (await client.get("/__mock/coverage")).json()["not_called"]
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
    before = (await client.get("/__mock/coverage")).json()
    [on_request] = [
        i for i in before["on_request"] if i["operation"] == "iframe_create_create" and i["answer"] == "429"
    ]
    assert "Prefer: code=429" in on_request["hints"]
    headers = {**AUTH, "Prefer": "code=429"}
    assert (await client.post("/api/v1/iframe/create", json=VALID, headers=headers)).status_code == 429
    after = (await client.get("/__mock/coverage")).json()
    assert after["operations"]["iframe_create_create"]["answers"]["429"]["count"] == 1
    assert not [i for i in after["on_request"] if i["operation"] == "iframe_create_create" and i["answer"] == "429"]
    assert after["covered"] == before["covered"] + 1


async def test_the_total_adds_up_sessions_and_delete_clears_both(client: httpx.AsyncClient) -> None:
    for session in ("a", "b"):
        headers = {**AUTH, "X-Mock-Session": session}
        await client.post("/api/v1/iframe/create", json=VALID, headers=headers)
    total = (await client.get("/__mock/coverage")).json()
    assert total["operations"]["iframe_create_create"]["answers"]["200"]["count"] == 2
    mine = (await client.get("/__mock/coverage?scope=session", headers={"X-Mock-Session": "a"})).json()
    assert mine["operations"]["iframe_create_create"]["answers"]["200"]["count"] == 1
    assert (await client.post("/__mock/reset", json={}, headers={"X-Mock-Session": "a"})).status_code == 200
    mine = (await client.get("/__mock/coverage?scope=session", headers={"X-Mock-Session": "a"})).json()
    assert mine["covered"] == 0
    assert (await client.get("/__mock/coverage")).json()["covered"] == 1  # a reset keeps the total
    cleared = (await client.delete("/__mock/coverage")).json()
    assert cleared["covered"] == 0


async def test_operations_glob_limits_the_report(client: httpx.AsyncClient) -> None:
    report = (await client.get("/__mock/coverage", params={"operations": "iframe_*"})).json()
    assert report["operations"] and all(op.startswith("iframe_") for op in report["operations"])
    r = await client.get("/__mock/coverage", params={"scope": "everything"})
    assert r.status_code == 400 and "scope" in r.json()["error"]


async def test_counters_stay_bounded_over_many_distinct_invalid_requests(make_client: MakeClient) -> None:
    client = await make_client()
    for n in range(300):
        body = {**VALID, f"unknown_{n}": n, "srcs": [str(i) for i in range(n % 7)] + [n]}
        await client.post("/api/v1/iframe/create", json=body, headers={**AUTH, "X-Mock-Session": f"s{n}"})
    mock = client._transport.app.state.mock  # type: ignore[attr-defined]
    tally = await mock.store.coverage(None)
    assert len(tally.counts) < 20  # keys come from the document: `body.*: additionalProperties`, `body.srcs[]: type`
    assert ("b", "iframe_create_create", "body.srcs[]", "type") in tally.counts
