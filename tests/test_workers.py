"""`mockserver serve --workers N` and `--store`: start-up checks, and N workers sharing one Redis."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from mockserver.cli import main
from mockserver.config import KeyPolicy, Settings
from mockserver.workers import settings_from_json, settings_to_json
from tests.conftest import AUTH, VALID
from tests.processes import MockProcess
from tests.redis_server import RedisServer, free_port


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(
            ["--workers", "2"], "--workers 2 needs a shared store: pass --store redis://", id="workers-memory"
        ),
        pytest.param(
            ["--workers", "0", "--store", "memory"],
            "workers (--workers, MOCKSERVER_WORKERS): 0 is out of range",
            id="workers-zero",
        ),
        pytest.param(["--store", "mysql://x"], "--store 'mysql://x': not a store URL", id="bad-url"),
        pytest.param(["--store", "redis://127.0.0.1:{port}/0"], "cannot reach Redis there", id="unreachable"),
        pytest.param(["--store", "redis://127.0.0.1:{port}/x"], "the database 'x' is not a number", id="bad-db"),
    ],
)
def test_start_up_refuses_with_a_message_naming_the_problem(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    assert main(["serve", "--port", "0", *(arg.format(port=port) for arg in argv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: error: ") and expected in err and "Traceback" not in err


def test_the_store_flag_is_also_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("MOCKSERVER_STORE", f"redis://127.0.0.1:{port}/0")
    assert main(["serve", "--port", "0"]) == 2
    assert f"--store redis://127.0.0.1:{port}/0: cannot reach Redis there" in capsys.readouterr().err


def test_resolved_settings_reach_the_workers_unchanged() -> None:
    settings = Settings(api_keys={"a": KeyPolicy(("o3",)), "b": KeyPolicy()}, store="redis://h:1/2", workers=3)
    assert settings_from_json(settings_to_json(settings)) == settings


@pytest.mark.redis
def test_two_workers_on_one_port_share_links_and_the_signing_key(redis_server: RedisServer, store_prefix: str) -> None:
    server = MockProcess("--workers", "2", "--store", redis_server.url, "--store-prefix", store_prefix)
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(20):  # new connections, so the kernel spreads them over both workers
                key = http.post(f"{server.url}/api/v1/iframe/create", json=VALID, headers=AUTH).json()["cache_key"]
                with httpx.Client(timeout=10) as other:
                    token = other.get(f"{server.url}/api/v1/iframe/token/{key}").json()["token"]
                    jwks = jwt.PyJWKSet.from_dict(other.get(f"{server.url}/.well-known/jwks.json").json())
                claims = jwt.decode(
                    token,
                    jwks[jwt.get_unverified_header(token)["kid"]],
                    algorithms=["ES256"],
                    audience="camelai-iframe",
                )
                assert claims["sub"] == "user-1"
    finally:
        server.stop()


@pytest.mark.redis
def test_two_replicas_on_one_redis_give_one_coverage_report_adding_up_both(
    redis_server: RedisServer, store_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = ("--store", redis_server.url, "--store-prefix", store_prefix)
    first, second = MockProcess(*shared), MockProcess(*shared)
    try:
        with httpx.Client(timeout=10) as http:
            for n, server in enumerate((first, second, first)):
                assert http.post(f"{server.url}/api/v1/iframe/create", json=VALID, headers=AUTH).status_code == 200
                bad = {**VALID, "ttl": 5 + n}
                assert http.post(f"{server.url}/api/v1/iframe/create", json=bad, headers=AUTH).status_code == 400
            assert http.post(f"{second.url}/api/v1/iframe/create", json=VALID).status_code == 401
            for server in (first, second):
                report = http.get(f"{server.url}/__mock/coverage").json()
                create = report["operations"]["iframe_create_create"]
                assert create["answers"]["200"]["count"] == 3
                assert create["answers"]["400"]["count"] == 3
                assert create["answers"]["401"]["count"] == 1
                assert create["refusals"] == {"body": 3, "auth": 1}
                assert [(b["field"], b["rule"], b["count"]) for b in report["breaches"]] == [("body.ttl", "minimum", 3)]
                # The first breach (ttl 5, sent to the first replica) is found by its journal id from either one.
                found = http.get(f"{server.url}/__mock/requests", params={"id": report["breaches"][0]["first_request"]})
                [entry] = found.json()["requests"]
                assert json.loads(entry["request"]["body"])["ttl"] == 5
        assert main(["coverage", "--url", second.url, "--format", "markdown", "--fail-under", "50"]) == 1
        assert "| `iframe_create_create` | 42.9% | `200` ×3, `400` ×3, `401` ×1 |" in capsys.readouterr().out
    finally:
        first.stop()
        second.stop()
