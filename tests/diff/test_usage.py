"""A coverage report marks the changes the client's tests exercise, and the report leads with them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mockserver.diff.documents import diff_documents
from mockserver.diff.model import BEHAVIOUR, BREAKING
from mockserver.diff.usage import CoverageError, fetch_coverage, load_coverage, read_coverage
from tests.conftest import SPEC_2025
from tests.diff.test_documents import CURRENT

EXAMPLE = Path(__file__).with_name("data") / "coverage-theme.json"


def test_current_to_2025_leads_with_theme_when_the_suite_sent_theme() -> None:
    report = diff_documents(CURRENT, SPEC_2025, load_coverage(str(EXAMPLE)))
    first = report.changes[0]
    assert (first.kind, first.place, first.klass) == ("property removed", ("request body", "theme"), BEHAVIOUR)
    assert first.used == "your tests send `theme`"
    used = [(c.kind, c.place[-1], c.used) for c in report.changes if c.used]
    assert used == [
        ("property removed", "theme", "your tests send `theme`"),
        # The suite never sends `model`, so the moved default is what it gets.
        ("default changed", "default", "your tests call iframe_create_create without `model`"),
        ("anonymous access removed", "security", "your tests call iframe_create_create"),
        ("credential added", "security", "your tests call iframe_create_create"),
    ]
    # Not sending `model`, the suite is not refused a `gpt-5` it never sends: the narrowed enum stays unmarked.
    narrowed = next(c for c in report.changes if c.kind == "enum narrowed")
    assert narrowed.klass == BREAKING and narrowed.used is None


def test_2025_to_current_says_which_removed_field_the_tests_send() -> None:
    usage = read_coverage(
        {
            "operations": {
                "iframe_create_create": {"calls": 1, "answers": {"200": 1}, "fields": ["ip_rate_limit_window"]}
            }
        },
        "example",
    )
    report = diff_documents(SPEC_2025, CURRENT, usage)
    first = report.changes[0]
    assert (first.kind, first.field, first.used) == (
        "property removed",
        "ip_rate_limit_window",
        "your tests send `ip_rate_limit_window`",
    )
    # The 42 removed operations come after: the suite never called them.
    assert all(c.used is None for c in report.changes if c.kind == "operation removed")


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        pytest.param([], "not a coverage report", id="a-list"),
        pytest.param({"ops": {}}, "no 'operations' object", id="no-operations"),
    ],
)
def test_a_file_that_is_no_coverage_report_is_refused_naming_it(report: object, problem: str) -> None:
    with pytest.raises(CoverageError, match=f"example: .*{problem}"):
        read_coverage(report, "example")


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "coverage.json"
    broken.write_text("{")
    with pytest.raises(CoverageError, match=r"coverage\.json: not JSON"):
        load_coverage(str(broken))
    with pytest.raises(CoverageError, match=r"missing\.json: No such file"):
        load_coverage(str(tmp_path / "missing.json"))


@pytest.fixture
def coverage_server() -> Iterator[str]:
    """A real HTTP server on loopback answering GET /__mock/coverage with the example report."""
    body = EXAMPLE.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/__mock/coverage"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if found else json.dumps({"error": "no"}).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_url_reads_a_running_mocks_coverage(coverage_server: str) -> None:
    assert load_coverage(str(EXAMPLE)) == fetch_coverage(coverage_server + "/")
    with pytest.raises(CoverageError, match=r"--url http://127\.0\.0\.1:1/__mock/coverage: cannot read"):
        fetch_coverage("http://127.0.0.1:1")


def test_the_mocks_own_coverage_report_is_read() -> None:
    """The shape GET /__mock/coverage serves: answers with their counts, and the fields sent by place."""
    report = {
        "operations": {
            "iframe_create_create": {
                "answers": {"200": {"count": 3, "variants": {"plain": 3}}, "400": {"count": 0, "hints": []}},
                "sent": {"body.theme": 2, "query.page": 1},
            }
        }
    }
    used = read_coverage(report, "test")["iframe_create_create"]
    assert used.answers == {"200"} and used.calls == 3
    assert {"theme", "body.theme", "query.page"} <= used.fields
