"""The README's snippets run as written, so the documentation cannot rot.

Every Python snippet runs under pytest in a project outside the repository, in a fresh virtual environment holding
only the install the README documents (`pip install 'camelai-iframe-mock[testing]'`), taken from a wheel of this
checkout; not in the repository's own development environment. The commands of "Testing your client" parse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockserver.cli import parser

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, re.S | re.M)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
SECTION = re.search(r"^## Testing your client\n(.*?)(?=^## |\Z)", README, re.S | re.M)
assert SECTION, "README.md has no 'Testing your client' section"
TESTING_SHELL = [
    line
    for lang, code in re.findall(r"^```(\w+)\n(.*?)^```", SECTION.group(1), re.S | re.M)
    if lang == "sh"
    for line in code.splitlines()
    if line.strip()
]
DOCUMENTED_INSTALL = "pip install 'camelai-iframe-mock[testing]'"


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def dependency_wheels() -> Path:
    """Wheels of the documented install's dependencies, built once per pyproject.toml and Python version and kept
    in the user's cache (pip's own cache makes even the first build quick): a fresh environment then installs
    without reaching an index."""
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + sys.version.encode()).hexdigest()[:16]
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "camelai-iframe-mock-tests"
    wheels = home / f"wheels-{key}"
    if not wheels.is_dir():
        home.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="building-", dir=home))
        built = run(sys.executable, "-m", "pip", "wheel", "-q", "-w", building, f"{ROOT}[testing]")
        assert built.returncode == 0, built.stderr
        for own in building.glob("camelai_iframe_mock-*.whl"):  # this checkout's is built afresh each session
            own.unlink()
        with contextlib.suppress(OSError):  # another session got there first: theirs is as good
            building.rename(wheels)
    return wheels


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the documented install only: this checkout as a wheel, and the wheels of
    its dependencies."""
    own = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", own, ROOT)
    assert built.returncode == 0, built.stderr
    venv = tmp_path_factory.mktemp("venv")
    made = run(getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    command = shlex.split(DOCUMENTED_INSTALL)  # pip install <distribution>[testing], word for word
    installed = run(
        sys.executable,
        "-m",
        command[0],
        "--python",
        python,  # this environment's pip, installing into the fresh one (which then needs none of its own)
        *command[1:2],
        "--no-index",
        "--find-links",
        own,
        "--find-links",
        dependency_wheels(),
        *command[2:],
    )
    assert installed.returncode == 0, installed.stderr
    return python


@pytest.fixture(scope="module")
def outcomes(fresh_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str | None]]:
    """Every Python snippet run as a user's test file, in one pytest run: file -> test -> None (passed) or why not."""
    project = tmp_path_factory.mktemp("project")
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    for index, code in enumerate(PYTHON):
        (project / f"test_snippet_{index}.py").write_text(code)
    done = run(fresh_python, "-m", "pytest", "-p", "no:cacheprovider", "--junitxml=results.xml", cwd=project)
    assert (project / "results.xml").exists(), done.stdout + done.stderr
    found: dict[str, dict[str, str | None]] = {}
    for case in ET.parse(project / "results.xml").iter("testcase"):
        problem = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        why = None if problem is None else f"{problem.tag}: {problem.get('message')}\n{problem.text or ''}"
        found.setdefault(case.get("classname", ""), {})[case.get("name", "")] = why
    return found


def test_the_readme_documents_the_install_and_has_snippets_for_each_journey() -> None:
    assert DOCUMENTED_INSTALL in SECTION.group(1)
    text = "\n".join(PYTHON)
    for needed in ("camel_mock", "camel_mock.fresh()", "@given", "transport()", "invalid_create_requests()"):
        assert needed in text
    assert "jwt.decode(" in text and "Prefer" in text
    assert any(line.startswith("pytest contracts") for line in TESTING_SHELL)
    assert any(line.startswith("mockserver verify") for line in TESTING_SHELL)


@pytest.mark.parametrize("index", [pytest.param(i, id=f"python-{i}") for i in range(len(PYTHON))])
def test_python_snippet_runs_in_a_fresh_install(outcomes: dict[str, dict[str, str | None]], index: int) -> None:
    code = PYTHON[index]
    wanted = re.findall(r"^def (test_\w+)", code, re.M)
    assert wanted, f"snippet {index} holds no test to run"
    ran = outcomes.get(f"test_snippet_{index}", {})
    assert sorted(ran) == sorted(wanted), f"snippet {index} was not collected as written: {ran}"
    failed = {name: why for name, why in ran.items() if why is not None}
    assert not failed, f"snippet {index}:\n{code}\n" + "\n".join(f"{n}: {w}" for n, w in failed.items())


def test_m_is_defined_before_a_shell_snippet_uses_it() -> None:
    shell = [code for lang, code in BLOCKS if lang == "sh"]
    first_use = next(i for i, code in enumerate(shell) if "$M" in code)
    assert re.search(r"^M=http://", shell[first_use], re.M) or any(
        re.search(r"^M=http://", code, re.M) for code in shell[:first_use]
    )


@pytest.mark.parametrize(
    "line", [pytest.param(line, id=line.split()[0]) for line in TESTING_SHELL if line.startswith("mockserver")]
)
def test_mockserver_command_parses(line: str) -> None:
    argv = shlex.split(line)[1:]
    parser().parse_args(argv[: argv.index("--")] if "--" in argv else argv)


def test_pytest_contracts_options_are_accepted() -> None:
    # A bare `pytest contracts` is what scripts/test runs; the lines with options are collected here.
    for line in TESTING_SHELL:
        argv = shlex.split(line)[2:]
        if line.startswith("pytest contracts") and argv:
            args = [sys.executable, "-m", "pytest", str(ROOT / "contracts"), "--collect-only", "-q", *argv]
            done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
