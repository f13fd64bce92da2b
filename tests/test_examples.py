"""The TypeScript example end to end (examples/typescript/run): an SDK generated from the document a fresh mock
serves, compiled, and tested with node's test runner against that mock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).parents[1] / "examples" / "typescript" / "run"


@pytest.mark.node
def test_the_typescript_sdk_generated_from_the_served_document_passes_its_tests() -> None:
    done = subprocess.run(
        [str(RUN), sys.executable, "-m", "mockserver", "serve"], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{RUN} failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"


COVERAGE_EXAMPLE = Path(__file__).parents[1] / "examples" / "coverage"


def test_the_coverage_example_reports_exactly_the_answers_its_tests_received(tmp_path: Path) -> None:
    out = tmp_path / "coverage.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            *("--camel-mock-cov-report=term", f"--camel-mock-cov-report=json:{out}"),
        ],
        cwd=COVERAGE_EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(out.read_text())
    received = {
        (op, status) for op, o in report["operations"].items() for status, a in o["answers"].items() if a["count"]
    }
    assert received == {
        ("iframe_create_create", "200"),
        ("iframe_create_create", "400"),
        ("iframe_create_create", "429"),
        ("knowledge_base_list", "200"),
        ("threads_list", "200"),
        ("knowledge_base_retrieve", "404"),
    }
    assert report["covered"] == 6 and report["documented"] == sum(
        o["documented"] for o in report["operations"].values()
    )
    assert report["operations"]["iframe_create_create"]["answers"]["429"]["variants"] == {"plain": 1}
    called = {"iframe_create_create", "knowledge_base_list", "threads_list", "knowledge_base_retrieve"}
    assert set(report["not_called"]) == set(report["operations"]) - called
    asked = {(i["operation"], i["answer"]): i["hints"] for i in report["on_request"]}
    assert set(asked) == {("iframe_create_create", "503"), ("knowledge_base_list", "404"), ("threads_list", "404")}
    assert asked["iframe_create_create", "503"][:2] == [
        "Prefer: code=503",
        'POST /__mock/faults {"path": "/api/v1/iframe/create", "method": "POST", "status": 503}',
    ]
    [breach] = report["breaches"]
    assert (breach["operation"], breach["field"], breach["rule"], breach["count"]) == (
        "iframe_create_create",
        "body.ttl",
        "minimum",
        1,
    )
    assert "TOTAL" in done.stdout and "never called (39)" in done.stdout
