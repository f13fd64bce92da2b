from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.cli import main
from mockserver.mock import build_mock
from mockserver.testing.in_process import default_settings
from mockserver.testing.live_server import ThreadedServer, serve_in_thread
from mockserver.testing.verify import SUITE, pytest_arguments, target
from tests.venvs import venv_without


def verify(url: str, *extra: str, python: str | Path = sys.executable) -> subprocess.CompletedProcess[str]:
    # A subprocess: the suite loads its own hypothesis profile, which must not leak into this session.
    args = [
        str(python),
        "-m",
        "mockserver",
        "verify",
        url,
        "--api-key",
        "sk-test",
        "--",
        "--max-examples",
        "5",
        *extra,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def test_the_suite_is_the_top_level_contracts_directory() -> None:
    assert SUITE.name == "contracts" and (SUITE / "conftest.py").exists() and (SUITE / "pytest.ini").exists()
    args = pytest_arguments("http://x", "k", ["-q"])
    assert args[:3] == [str(SUITE), "-c", str(SUITE / "pytest.ini")]
    assert args[-5:] == ["--base-url", "http://x", "--api-key", "k", "-q"]


def test_verify_passes_against_the_mock_over_a_real_socket(live: ThreadedServer) -> None:
    done = verify(live.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout  # the mock-only property: this mock is "another server" here


def test_verify_fails_with_a_reproducible_example_against_a_drifting_server() -> None:
    with serve_in_thread(build_mock(default_settings(responses="fuzz", seed=1))) as drifting:
        done = verify(drifting.url, "-k", "expires_in")
    assert done.returncode == 1
    assert "request:  POST" in done.stdout and "reproduce: curl -sS -X POST" in done.stdout


def test_verify_without_a_suite_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("mockserver.testing.verify.SUITE", SUITE / "missing")
    assert main(["verify", "http://127.0.0.1:9"]) == 2
    assert "the contract suite is missing" in capsys.readouterr().err


def test_a_target_without_url_is_a_mock_started_for_the_run() -> None:
    with target(None, "sk-own") as found:
        assert found.handle is not None and found.api_key == "sk-own" and found.extensions
        assert found.create({"uid": "u", "srcs": []}).status_code == 200


def test_verify_runs_where_pytest_asyncio_is_not_installed(tmp_path: Path) -> None:
    python = venv_without(tmp_path, "pytest-asyncio")
    with serve_in_thread(build_mock(default_settings())) as server:
        done = verify(server.url, python=python)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unknown config option" not in done.stdout + done.stderr


@pytest.mark.parametrize("missing", ["pytest", "hypothesis", "schemathesis", "httpx"])
def test_verify_names_a_missing_package_in_one_line_and_exits_2(tmp_path: Path, missing: str) -> None:
    python = venv_without(tmp_path, missing)
    done = subprocess.run(
        [python, "-m", "mockserver", "verify", "http://127.0.0.1:9"], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"mockserver verify: the contract suite needs {missing}, not installed here: "
        f"pip install 'camelai-iframe-mock[testing]' brings them (or pip install {missing})\n"
    )
