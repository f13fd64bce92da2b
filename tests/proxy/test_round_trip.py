"""Record through `mockserver proxy`, replay with `mockserver serve --replay`: the same requests get the same answers,
with no upstream running; a recorded answer that breaks the document is warned about at start-up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

from tests.conftest import AUTH, VALID
from tests.processes import MockProcess, ServerProcess

CREATE = "/api/v1/iframe/create"
REQUESTS: list[tuple[str, str, object, dict[str, str]]] = [
    ("POST", CREATE, {**VALID, "ttl": 300}, AUTH),
    ("POST", CREATE, {**VALID, "ttl": 30}, AUTH),  # the upstream's 400
    ("POST", CREATE, {**VALID, "uid": "no-key"}, {}),  # the upstream's 401
    ("GET", "/api/v1/nowhere?x=1", None, AUTH),  # the upstream's 404
]


def send(base: str, method: str, path: str, body: object, headers: dict[str, str]) -> httpx.Response:
    return httpx.request(method, base + path, json=body, headers=headers)


def test_a_recording_replays_the_same_answers_without_the_upstream(tmp_path: Path) -> None:
    recording = tmp_path / "run.har"
    upstream = MockProcess()
    proxy = MockProcess("--upstream", upstream.url, "--record", str(recording), command="proxy")
    try:
        recorded = [send(proxy.url, *request) for request in REQUESTS]
        link = recorded[0].json()
        token = httpx.get(f"{proxy.url}/api/v1/iframe/token/{link['cache_key']}")
        assert token.status_code == 200
    finally:
        proxy.stop()
        upstream.stop()
    assert [r.status_code for r in recorded] == [200, 400, 401, 404]

    replay = MockProcess("--replay", str(recording), "--replay-only")
    try:
        own = "(1 for the mock's own operations left to the mock)"  # the token lookup
        assert f"replaying 4 recorded answer(s) from {recording} {own}, nothing else" in replay.startup_output
        replayed = [send(replay.url, *request) for request in REQUESTS]
        assert [(r.status_code, r.content) for r in replayed] == [(r.status_code, r.content) for r in recorded]
        # The iframe link points where it was made; the mock's own token lookup never issued its key.
        assert replayed[0].json()["iframe_url"].startswith(upstream.url)
        assert httpx.get(f"{replay.url}/api/v1/iframe/token/{link['cache_key']}").status_code == 404
    finally:
        replay.stop()


def test_a_recorded_answer_that_breaks_the_document_is_warned_about_at_start_up(tmp_path: Path) -> None:
    recording = tmp_path / "drift.har"
    drifting = ServerProcess([sys.executable, "-m", "tests.drifting_upstream"])
    proxy = MockProcess("--upstream", drifting.url, "--record", str(recording), command="proxy")
    try:
        httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": "wrong-type"}, headers=AUTH)
    finally:
        proxy.stop()
        drifting.stop()
    assert json.loads(recording.read_text())["log"]["entries"][0]["_violations"] == [
        'response 200 body.expires_in: "900" is not of type "integer"'
    ]
    replay = MockProcess("--replay", str(recording))
    try:
        assert (
            f"mockserver: warning: {recording}: entry 1 (POST {CREATE} -> 200) breaks the document: "
            'response 200 body.expires_in: "900" is not of type "integer"'
        ) in replay.startup_output
        answer = httpx.post(f"{replay.url}{CREATE}", json={**VALID, "uid": "wrong-type"})
        assert answer.json()["expires_in"] == "900"  # replayed as recorded
    finally:
        replay.stop()
