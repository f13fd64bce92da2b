"""HAR files written as exchanges happen: a whole HAR file after every entry, appended to across restarts, never
damaged, and holding no credential."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.config import ConfigError
from mockserver.proxy.har import HarFile, Request, entry
from mockserver.proxy.upstream import UpstreamAnswer
from mockserver.spec.contract import load_contract
from mockserver.spec.secrets import Secrets

VENDOR = Path(__file__).parents[2] / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"
TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"


def entries(path: Path) -> list[dict[str, object]]:
    log = json.loads(path.read_text())["log"]
    assert (log["version"], list(log)[-1]) == ("1.2", "entries")
    result: list[dict[str, object]] = log["entries"]
    return result


def test_the_file_is_a_whole_har_after_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    har = HarFile(path, "1.0")
    assert entries(path) == []
    for n in range(3):
        har.append({"n": n})
        assert entries(path) == [{"n": i} for i in range(n + 1)]
    har.close()


def test_a_restart_appends_to_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    first = HarFile(path, "1.0")
    first.append({"n": 0})
    first.close()
    second = HarFile(path, "2.0")
    second.append({"n": 1})
    second.close()
    assert entries(path) == [{"n": 0}, {"n": 1}]


def test_a_har_another_tool_wrote_is_appended_to_when_entries_come_last(tmp_path: Path) -> None:
    path = tmp_path / "browser.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [{"n": 0}]}}, indent=2))
    har = HarFile(path, "1.0")
    har.append({"n": 1})
    har.close()
    assert entries(path) == [{"n": 0}, {"n": 1}]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param('{"log": {"entries": [{"n": 0}', "it may have been cut short", id="cut-short"),
        pytest.param("[1, 2, 3]", "not a HAR file this proxy can append to", id="not-har"),
        pytest.param(
            '{"log": {"entries": [], "pages": [{"id": 1}]}}', "its log's last member is not 'entries'", id="pages-last"
        ),
    ],
)
def test_a_file_that_cannot_be_appended_to_is_refused_untouched(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "other.har"
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        HarFile(path, "1.0")
    assert str(path) in str(refused.value) and problem in str(refused.value)
    assert path.read_text() == content


def test_a_second_recorder_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.har"
    first = HarFile(path, "1.0")
    with pytest.raises(ConfigError, match="another process is recording into it"):
        HarFile(path, "1.0")
    first.close()
    HarFile(path, "1.0").close()  # free again once the first lets go


def test_an_entry_keeps_no_credential_the_document_names(tmp_path: Path) -> None:
    secrets = Secrets.of(load_contract(VENDOR))  # X-API-Key and writeOnly passwords, from the document
    body = json.dumps({"name": "db", "password": "hunter2", "token": TOKEN}).encode()
    request = Request(
        "POST",
        "https://api.camelai.com/api/v1/sources/add/",
        "1.1",
        [(b"x-api-key", b"sk-live-1"), (b"authorization", b"Bearer sk-live-2"), (b"content-type", b"application/json")],
        "q=1",
        body,
    )
    answer = UpstreamAnswer(
        201,
        "Created",
        [(b"content-type", b"application/json"), (b"set-cookie", b"session=abc")],
        json.dumps({"id": 1, "jwt": TOKEN}).encode(),
        0.012,
        0.001,
    )
    recorded = entry(secrets, 1767225600.0, request, answer, answer.raw, "sources_add_create", ["request body.x: 1"])
    text = json.dumps(recorded)
    for secret in ("sk-live-1", "sk-live-2", "hunter2", "session=abc", TOKEN):
        assert secret not in text
    assert recorded["startedDateTime"] == "2026-01-01T00:00:00Z"
    assert recorded["time"] == 13.0 and recorded["timings"]["wait"] == 12.0
    assert recorded["request"]["queryString"] == [{"name": "q", "value": "1"}]
    assert (recorded["response"]["status"], recorded["_violations"]) == (201, ["request body.x: 1"])


def test_the_proxy_imports_where_there_is_no_fcntl_and_recording_says_why_it_cannot(tmp_path: Path) -> None:
    # As on Windows: `import fcntl` fails. `mockserver proxy` must still load; only --record is refused, clearly.
    script = f"""
import sys
sys.modules["fcntl"] = None
import mockserver.cli, mockserver.proxy.app, mockserver.proxy.forward, mockserver.proxy.har, mockserver.proxy.replay
from mockserver.config import ConfigError
try:
    mockserver.proxy.har.HarFile({str(tmp_path / "run.har")!r}, "1.0")
except ConfigError as refused:
    print(refused)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"--record {tmp_path / 'run.har'}: recording needs POSIX file locks and positioned writes (fcntl.flock, "
        "os.pwrite), which this platform lacks; run the proxy without --record"
    )
