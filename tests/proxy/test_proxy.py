"""`mockserver proxy` as a process, in front of a drifting upstream (tests/drifting_upstream.py) and of a second mock:
each kind of violation through the header, the journal, the tally and the HAR file."""

from __future__ import annotations

import json
import re
import ssl
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from tests.conftest import AUTH, VALID
from tests.processes import MockProcess, ServerProcess
from tests.redis_server import free_port
from tests.scripted_servers import OK, ForwardProxy, Scripted, proxying, serving

CREATE = "/api/v1/iframe/create"
DOCUMENTED = "200, 400, 401, 413, 415, 429, 503"  # the create's statuses in openapi.yaml (vendor's and the mock's)
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


@pytest.fixture(scope="module")
def drifting() -> Iterator[ServerProcess]:
    server = ServerProcess([sys.executable, "-m", "tests.drifting_upstream"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("proxy") / "run.har"


@pytest.fixture(scope="module")
def proxy(drifting: ServerProcess, recording: Path) -> Iterator[MockProcess]:
    server = MockProcess(
        "--upstream",
        drifting.url,
        "--upstream-timeout",
        "1",
        "--max-body-bytes",
        "65536",
        "--record",
        str(recording),
        command="proxy",
    )
    yield server
    server.stop()


@pytest.fixture
def session() -> dict[str, str]:
    """Headers that put a test's exchanges in a session of their own: its journal and its tally."""
    return {**AUTH, "X-Mock-Session": f"t-{uuid.uuid4().hex[:12]}"}


def journal(server: MockProcess, headers: dict[str, str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = httpx.get(f"{server.url}/__mock/requests", headers=headers).json()["requests"]
    return entries


def har_entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text())["log"]["entries"]  # a whole HAR file at any time
    return entries


@pytest.mark.parametrize(
    ("uid", "status", "violation"),
    [
        pytest.param(
            "wrong-type", 200, 'response 200 body.expires_in: "900" is not of type "integer"', id="wrong-type"
        ),
        pytest.param("missing-field", 200, "response 200 body.cache_key: is required but missing", id="missing-field"),
        pytest.param(
            "undocumented-status",
            500,
            f"response status 500 is not documented for iframe_create_create (documented: {DOCUMENTED})",
            id="undocumented-status",
        ),
        pytest.param(
            "invalid-json",
            200,
            "response 200 body: is not valid JSON (Expecting value at line 1 column 16)",
            id="invalid-json",
        ),
        pytest.param(
            "wrong-media",
            200,
            'response 200 Content-Type: "text/html" is not one the document gives (application/json)',
            id="wrong-media",
        ),
        pytest.param("extra-field", 200, None, id="extra-field-allowed"),
        pytest.param("gzip", 200, None, id="gzip-decoded-and-checked"),
        pytest.param("chunked", 200, None, id="chunked"),
        pytest.param("close", 200, None, id="connection-close"),
    ],
)
def test_each_kind_of_drift_is_reported_in_the_header_journal_tally_and_recording(
    proxy: MockProcess,
    drifting: ServerProcess,
    recording: Path,
    session: dict[str, str],
    uid: str,
    status: int,
    violation: str | None,
) -> None:
    body = {**VALID, "uid": uid}
    direct = httpx.post(f"{drifting.url}{CREATE}", json=body)
    through = httpx.post(f"{proxy.url}{CREATE}", json=body, headers=session)

    # The client gets the upstream's answer unchanged, plus the count.
    assert through.status_code == direct.status_code == status
    assert through.content == direct.content
    assert through.headers["content-type"] == direct.headers["content-type"]
    expected = [violation] if violation else []
    assert through.headers["x-mock-violations"] == str(len(expected))

    entry = journal(proxy, session)[-1]
    assert (entry["operation"], entry["status"], entry["errors"]) == ("iframe_create_create", status, expected)

    tally = httpx.get(f"{proxy.url}/__mock/violations", headers=session).json()
    assert tally["exchanges"] == 1 and tally["total"] == len(expected)
    if violation:
        assert tally["violations"][0]["operation"] == "iframe_create_create"
        assert tally["violations"][0]["example"] == violation

    recorded = har_entries(recording)[-1]
    assert recorded["request"]["postData"]["text"] == json.dumps(body, separators=(",", ":"))
    assert (recorded["response"]["status"], recorded["_violations"]) == (status, expected)
    assert recorded["_operation"] == "iframe_create_create"


def test_a_request_that_breaks_the_contract_is_forwarded_and_reported(
    proxy: MockProcess, recording: Path, session: dict[str, str]
) -> None:
    answer = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "ttl": 30}, headers=session)
    assert answer.status_code == 200  # the drifting upstream takes any ttl: the proxy still forwarded it
    assert answer.headers["x-mock-violations"] == "1"
    sentence = "request body.ttl: 30 is less than the minimum of 60"
    assert journal(proxy, session)[-1]["errors"] == [sentence]
    assert f"<li>{sentence}</li>" in httpx.get(f"{proxy.url}/__mock/", headers=session).text  # the dashboard
    assert har_entries(recording)[-1]["_violations"] == [sentence]


def test_violations_are_summed_by_operation_and_field(proxy: MockProcess, session: dict[str, str]) -> None:
    for uid in ("wrong-type", "wrong-type", "missing-field", "fine"):
        httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": uid}, headers=session)
    httpx.get(f"{proxy.url}/api/v1/nowhere", headers=session)
    report = httpx.get(f"{proxy.url}/__mock/violations", headers=session).json()
    assert (report["exchanges"], report["with_violations"], report["total"]) == (5, 4, 4)
    rows = [(r["operation"], r["field"], r["count"]) for r in report["violations"]]
    assert rows == [
        ("iframe_create_create", "response 200 body.expires_in", 2),
        ("iframe_create_create", "response 200 body.cache_key", 1),
        (None, "request path", 1),
    ]
    cleared = httpx.delete(f"{proxy.url}/__mock/violations", headers=session).json()
    assert (cleared["exchanges"], cleared["violations"]) == (0, [])


def test_a_near_miss_is_reported_with_the_documented_path(proxy: MockProcess, session: dict[str, str]) -> None:
    httpx.post(f"{proxy.url}{CREATE}/", json=VALID, headers=session)
    assert journal(proxy, session)[-1]["errors"] == [
        f"request path: POST {CREATE}/ matches no operation in the document; did you mean POST {CREATE}?"
    ]


def test_the_request_reaches_the_upstream_unchanged(proxy: MockProcess, drifting: ServerProcess) -> None:
    sent = {"Authorization": "Bearer sk-live-credential", "X-Custom": "kept", "User-Agent": "my-client/1.0"}
    with httpx.Client() as client:
        for name in ("accept", "accept-encoding", "user-agent"):  # send only what the test names
            del client.headers[name]
        echoed = client.get(f"{proxy.url}/echo?b=2&a=%20", headers=sent).json()
    assert echoed["query"] == "b=2&a=%20"
    seen = dict(echoed["headers"])
    assert seen.pop("authorization") == "Bearer sk-live-credential"  # credentials go to the upstream
    assert (seen.pop("x-custom"), seen.pop("user-agent")) == ("kept", "my-client/1.0")
    assert seen.pop("host") == drifting.url.removeprefix("http://")  # the proxy's own: the upstream's name
    assert seen == {}  # nothing added on the way


def test_the_admin_api_is_the_proxys_own_and_every_other_path_is_forwarded(proxy: MockProcess) -> None:
    assert httpx.get(f"{proxy.url}/__mock/violations").headers.get("x-mock-violations") is None  # answered here
    elsewhere = httpx.get(f"{proxy.url}/__mock/no-such-admin-path")  # no admin route takes it: the upstream's say
    assert elsewhere.status_code == 404 and elsewhere.headers["x-mock-violations"] == "1"


def test_a_slow_upstream_is_a_504_and_a_closed_connection_a_502(
    proxy: MockProcess, drifting: ServerProcess, recording: Path, session: dict[str, str]
) -> None:
    slow = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": "slow"}, headers=session, timeout=30)
    assert slow.status_code == 504
    assert slow.json()["error"] == (
        f"upstream {drifting.url} did not answer POST {CREATE} within 1 s (waiting for the answer); "
        "--upstream-timeout sets the limit"
    )
    closed = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": "closed"}, headers=session)
    assert closed.status_code == 502
    assert closed.json()["error"].startswith(f"upstream {drifting.url} closed the connection without a complete answer")
    assert slow.headers["x-mock-violations"] == closed.headers["x-mock-violations"] == "0"
    entries = journal(proxy, session)
    assert [(e["status"], e["error"]) for e in entries] == [(504, slow.json()["error"]), (502, closed.json()["error"])]
    # Recorded as browsers record a request nobody answered: status 0, and why.
    failed = [e["response"] for e in har_entries(recording)[-2:]]
    assert [(r["status"], r["_error"]) for r in failed] == [(0, slow.json()["error"]), (0, closed.json()["error"])]
    # ... and the proxy goes on answering.
    assert httpx.post(f"{proxy.url}{CREATE}", json=VALID, headers=session).status_code == 200


def test_bodies_past_the_limit_are_refused_in_both_directions(
    proxy: MockProcess, drifting: ServerProcess, session: dict[str, str]
) -> None:
    answer = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": "huge"}, headers=session)
    assert answer.status_code == 502
    assert answer.json()["error"] == (
        f"upstream {drifting.url} answered POST {CREATE} with more than 65536 bytes, over this proxy's limit "
        "(--max-body-bytes)"
    )
    request = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "padding": "x" * 70_000}, headers=session)
    assert request.status_code == 413 and "--max-body-bytes" in request.json()["error"]
    assert [e["status"] for e in journal(proxy, session)] == [502, 413]


def test_a_head_request_gets_the_upstreams_headers_and_no_body(proxy: MockProcess) -> None:
    with httpx.Client() as client:
        head = client.head(f"{proxy.url}/echo")
        assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
        assert client.get(f"{proxy.url}/echo").json()["query"] == ""  # the connection upstream is still usable


def test_an_unreachable_upstream_is_a_502_and_the_proxy_recovers_when_it_is_back() -> None:
    port = free_port()
    proxy = MockProcess("--upstream", f"http://127.0.0.1:{port}", command="proxy")
    try:
        down = httpx.post(f"{proxy.url}{CREATE}", json=VALID, headers=AUTH)
        assert down.status_code == 502
        assert down.json()["error"].startswith(f"upstream http://127.0.0.1:{port} is unreachable (")
        upstream = MockProcess("--port", str(port))
        try:
            back = httpx.post(f"{proxy.url}{CREATE}", json=VALID, headers=AUTH)
            assert back.status_code == 200 and back.headers["x-mock-violations"] == "0"
        finally:
            upstream.stop()
    finally:
        proxy.stop()


def test_refuse_invalid_answers_the_mocks_own_400_without_forwarding(tmp_path: Path) -> None:
    upstream = MockProcess()
    recording = tmp_path / "refused.har"
    proxy = MockProcess("--upstream", upstream.url, "--refuse-invalid", "--record", str(recording), command="proxy")
    try:
        headers = {**AUTH, "X-Mock-Session": "refusals"}
        refused = httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "ttl": 30}, headers=headers)
        assert refused.status_code == 400
        assert refused.json() == {"error": "ttl: 30 is less than the minimum of 60"}  # as the mock words it
        assert refused.headers["x-mock-violations"] == "1"
        wrong_media = httpx.post(f"{proxy.url}{CREATE}", content=b"uid=u", headers=headers)
        assert wrong_media.status_code == 415
        assert journal(upstream, headers) == []  # neither reached the upstream
        assert har_entries(recording) == []  # nor the recording: no upstream answered them
        passed = httpx.post(f"{proxy.url}{CREATE}", json=VALID, headers=headers)
        assert passed.status_code == 200 and len(journal(upstream, headers)) == 1
    finally:
        proxy.stop()
        upstream.stop()


def test_credentials_and_jwts_are_never_journaled_or_recorded(tmp_path: Path) -> None:
    upstream = MockProcess("--api-key", "sk-live-secret-123")
    recording = tmp_path / "secrets.har"
    proxy = MockProcess("--upstream", upstream.url, "--record", str(recording), command="proxy")
    try:
        headers = {"Authorization": "Bearer sk-live-secret-123", "X-Mock-Session": "secrets"}
        link = httpx.post(f"{proxy.url}{CREATE}", json=VALID, headers=headers).json()
        token = httpx.get(f"{proxy.url}/api/v1/iframe/token/{link['cache_key']}", headers=headers)
        assert JWT.fullmatch(token.json()["token"])  # the client gets the real token...
        shown = json.dumps(journal(proxy, headers)) + recording.read_text()
        assert "sk-live-secret-123" not in shown  # ... the journal and the file never see a key
        assert JWT.search(shown) is None and "[redacted JWT]" in shown
    finally:
        proxy.stop()
        upstream.stop()


def test_the_banner_says_where_the_violations_are(proxy: MockProcess, drifting: ServerProcess) -> None:
    banner = proxy.startup_output.strip().splitlines()[-1]
    assert f"forwarding to {drifting.url}" in banner
    assert f"violations at {proxy.url}/__mock/violations" in banner


async def test_three_creates_through_an_upstream_that_drops_kept_connections_arrive_once_each() -> None:
    # The upstream answers the first request on each connection, then reads the next and closes without answering.
    script = Scripted([OK, None], each_connection=True)
    async with serving(script) as url:
        proxy = MockProcess("--upstream", url, command="proxy")
        try:
            async with httpx.AsyncClient() as client:
                statuses = [
                    (await client.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": uid}, headers=AUTH)).status_code
                    for uid in ("u1", "u2", "u3")
                ]
        finally:
            proxy.stop()
    assert statuses == [200, 502, 200]  # the second was read, then dropped: the client is told, not the upstream twice
    assert [json.loads(body)["uid"] for _, body in script.arrivals] == ["u1", "u2", "u3"]


@pytest.mark.parametrize("trusted", [pytest.param(True, id="with-upstream-ca"), pytest.param(False, id="without")])
async def test_a_tls_upstream_through_the_https_proxy_of_the_environment(tmp_path: Path, trusted: bool) -> None:
    ca = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    forward = ForwardProxy()
    async with proxying(forward) as proxy_url, serving(Scripted([OK]), tls=tls) as url:
        flags = ["--upstream-ca", str(tmp_path / "ca.pem")] if trusted else []
        environment = {"HTTPS_PROXY": proxy_url, "NO_PROXY": "", "SSL_CERT_FILE": ""}
        proxy = MockProcess("--upstream", url, *flags, command="proxy", env=environment)
        try:
            assert f"(forwarding to {url} through proxy {proxy_url};" in proxy.startup_output
            async with httpx.AsyncClient() as client:
                answer = await client.post(f"{proxy.url}{CREATE}", json=VALID, headers=AUTH)
        finally:
            proxy.stop()
    assert forward.seen == [f"CONNECT {url.removeprefix('https://')} HTTP/1.1"]
    if trusted:
        assert (answer.status_code, answer.content) == (200, b"{}")
    else:
        assert answer.status_code == 502
        assert answer.json()["error"].startswith(f"upstream {url}: its TLS certificate was refused (")
        assert "certificate verify failed" in answer.json()["error"]


def test_the_proxy_counts_the_real_apis_answers_and_breaches_for_the_coverage_report(
    proxy: MockProcess, session: dict[str, str]
) -> None:
    scoped = f"{proxy.url}/__mock/coverage?scope=session"
    for uid in ("ok", "wrong-type", "undocumented-status"):
        httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "uid": uid}, headers=session)
    httpx.post(f"{proxy.url}{CREATE}", json={**VALID, "ttl": 5}, headers=session)  # the client's breach, forwarded
    report = httpx.get(scoped, headers=session).json()
    create = report["operations"]["iframe_create_create"]
    assert create["answers"]["200"]["count"] == 3  # the upstream answered 200 to the ttl of 5 too
    assert create["undocumented"] == {"500": 1}
    assert create["sent"]["body.uid"] == 4
    assert [(b["field"], b["rule"], b["count"]) for b in report["breaches"]] == [("body.ttl", "minimum", 1)]
    violations = {(v["field"], v["rule"]): v["count"] for v in report["upstream_violations"]}
    assert violations == {("response 200 body.expires_in", "type"): 1, ("response status", "undocumented"): 1}


def test_refuse_invalid_answers_the_status_and_shape_the_document_gives_the_refusal(tmp_path: Path) -> None:
    """The proxy refused with its own 400 and `{"error": ...}` where the document lists only a 422 of another shape."""
    error = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    parameters = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer"}}]
    responses = {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
        "422": {"description": "invalid", "content": {"application/json": {"schema": error}}},
    }
    spec = tmp_path / "doc.json"
    operation = {"operationId": "x", "parameters": parameters, "responses": responses}
    spec.write_text(
        json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": operation}}})
    )
    upstream = MockProcess("--spec", str(spec))
    proxy = MockProcess("--spec", str(spec), "--upstream", upstream.url, "--refuse-invalid", command="proxy")
    try:
        refused = httpx.get(f"{proxy.url}/x", params={"n": "x"})
        assert refused.status_code == 422
        assert refused.json() == {"detail": 'query.n: "x" is not of type "integer"'}
        assert httpx.get(f"{proxy.url}/x", params={"n": "1"}).status_code == 200
    finally:
        proxy.stop()
        upstream.stop()
