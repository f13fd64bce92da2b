"""bench/corpus.py, the real-world corpus tool, run as CI runs it (a real mock process, real schemathesis) on small
documents written here, with no npm: explicit documents and --no-prism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
# One operation behind an API key: answers are 2xx only if the tool handed schemathesis a credential for the scheme.
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "tiny", "version": "1"},
    "components": {"securitySchemes": {"Key Auth": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "security": [{"Key Auth": []}],
    "paths": {
        "/things/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the thing",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}
# A stand-in for the mock that answers every request with a 500, to show what the gate says.
BROKEN = textwrap.dedent(
    """
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"oops")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(f"broken mock listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
    """
)


def corpus(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = tmp_path / "report.json"
    command = [sys.executable, str(ROOT / "bench" / "corpus.py"), *args, "--no-prism", "--max-examples", "2"]
    done = subprocess.run([*command, "--json", str(report)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return done, json.loads(report.read_text())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_mock_on_a_small_document_is_measured_and_passes_the_gate(tmp_path: Path) -> None:
    document = write(tmp_path, "tiny.json", json.dumps(DOCUMENT))
    done, report = corpus(tmp_path, str(document), "--gate")
    assert done.returncode == 0, done.stderr
    [entry] = report["documents"]
    mock = entry["mock"]
    assert (entry["name"], entry["operations"], "prism" in entry) == ("tiny.json", 1, False)
    assert mock["started"] and mock["refusal"] is None and not mock["hung"]
    assert 0 < mock["time_to_first_answer"] < 60
    assert mock["statuses"].get("2xx", 0) > 0  # the credential from the generated schemathesis.toml was taken
    assert mock["tracebacks"] == mock["server_errors"] == 0 and report["gate"] == []
    assert "| valid requests refused (positive_data_acceptance) | 0 (0) |" in done.stdout
    assert "| started | 1 |" in done.stdout


def test_the_gate_names_the_document_and_the_check(tmp_path: Path) -> None:
    document = write(tmp_path, "tiny.json", json.dumps(DOCUMENT))
    broken = write(tmp_path, "broken.py", BROKEN)
    done, report = corpus(tmp_path, str(document), "--gate", "--mock", f"{sys.executable} {broken}")
    assert done.returncode == 1
    assert report["documents"][0]["mock"]["server_errors"] > 0
    assert re.search(
        r"tiny.json: not_a_server_error: \d+ failure\(s\), e.g. GET http://127.0.0.1:\d+/things/", done.stderr
    )
    assert "tiny.json: response_schema_conformance" not in done.stderr  # a 500 isn't documented: no schema to break
    assert any(line.startswith("tiny.json: ") and "5xx answer(s)" in line for line in report["gate"])


def test_a_document_the_mock_refuses_is_recorded_with_its_one_line_reason(tmp_path: Path) -> None:
    document = write(tmp_path, "broken.yaml", "openapi: [\n")
    done, report = corpus(tmp_path, str(document), "--gate")
    assert done.returncode == 0, done.stderr  # a clear refusal is not a fault of the mock
    mock = report["documents"][0]["mock"]
    assert not mock["started"] and mock["requests"] == 0
    assert mock["refusal"].startswith("mockserver: error: ") and "broken.yaml" in mock["refusal"]
    assert "| refused, with one line | 1 |" in done.stdout


def test_an_invalid_request_refused_with_a_status_the_check_does_not_expect_is_not_counted_as_accepted() -> None:
    """schemathesis' negative_data_rejection fails a refusal whose status it does not list, such as the 481 an AWS
    document gives InvalidInputException: the report counts those apart from invalid requests answered 2xx."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from corpus_schemathesis import OTHER_4XX, summarise
    finally:
        sys.path.remove(str(ROOT / "bench"))

    def scenario(case: str, status: int) -> dict[str, Any]:
        failure = {"name": "negative_data_rejection", "status": "failure", "failure_info": {"failure": {"title": "x"}}}
        return {
            "ScenarioFinished": {
                "recorder": {
                    "label": f"POST /{case}",
                    "interactions": {case: {"request": {}, "response": {"status_code": status}}},
                    "checks": {case: [failure]},
                }
            }
        }

    counted = summarise([scenario("a", 481), scenario("b", 200)])["checks"]
    assert counted[OTHER_4XX]["failures"] == counted["negative_data_rejection"]["failures"] == 1
