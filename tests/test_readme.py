"""The README's "Testing your client" snippets are run, so the documentation cannot rot."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.cli import parser

ROOT = Path(__file__).parent.parent
SECTION = re.search(r"^## Testing your client\n(.*?)(?=^## |\Z)", (ROOT / "README.md").read_text(), re.S | re.M)
assert SECTION, "README.md has no 'Testing your client' section"
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", SECTION.group(1), re.S | re.M)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
SHELL = [line for lang, code in BLOCKS if lang == "sh" for line in code.splitlines() if line.strip()]


def test_the_section_has_snippets_for_fixture_transport_strategies_and_suite() -> None:
    text = "\n".join(PYTHON)
    for needed in ("camel_mock", "transport()", "strategies.", "Prefer"):
        assert needed in text
    assert any(line.startswith("pytest contracts") for line in SHELL)
    assert any(line.startswith("mockserver verify") for line in SHELL)


@pytest.mark.parametrize("code", [pytest.param(code, id=f"python-{i}") for i, code in enumerate(PYTHON)])
def test_python_snippet_runs(pytester: pytest.Pytester, code: str) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    pytester.makepyfile(test_snippet=code)
    result = pytester.runpytest("-p", "no:cacheprovider")
    tests = len(re.findall(r"^def test_", code, re.M))
    assert tests > 0
    result.assert_outcomes(passed=tests)


@pytest.mark.parametrize(
    "line", [pytest.param(line, id=line.split()[0]) for line in SHELL if line.startswith("mockserver")]
)
def test_mockserver_command_parses(line: str) -> None:
    argv = shlex.split(line)[1:]
    parser().parse_args(argv[: argv.index("--")] if "--" in argv else argv)


def test_pytest_contracts_options_are_accepted() -> None:
    # A bare `pytest contracts` is what scripts/test runs; the lines with options are collected here.
    for line in SHELL:
        argv = shlex.split(line)[2:]
        if line.startswith("pytest contracts") and argv:
            args = [sys.executable, "-m", "pytest", str(ROOT / "contracts"), "--collect-only", "-q", *argv]
            done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
