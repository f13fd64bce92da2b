"""`scripts/serve` and `scripts/docs` install into .venv only when pyproject.toml changed since the last install, then
run their command (the mock, the documentation site)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
# Stand-ins for pip and the installed command, recording each call: what is under test is the script's own logic (the
# mock and the site are tested elsewhere).
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/../calls.log"\n'


def checkout(tmp_path: Path, script: str, command: str) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", command):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def run(repo: Path, script: str, *args: str) -> list[str]:
    log = repo / ".venv" / "calls.log"
    log.unlink(missing_ok=True)
    subprocess.run([str(repo / "scripts" / script), *args], check=True, timeout=60)
    return log.read_text().splitlines()


@pytest.mark.parametrize(
    ("script", "extra", "runs", "args"),
    [
        pytest.param("serve", "", "mockserver serve", ("--port", "9"), id="serve"),
        pytest.param("docs", "[dev]", "mkdocs serve", ("-a", "127.0.0.1:8100"), id="docs"),
    ],
)
def test_a_script_installs_once_and_again_only_when_pyproject_changes(
    tmp_path: Path, script: str, extra: str, runs: str, args: tuple[str, ...]
) -> None:
    repo = checkout(tmp_path, script, runs.split()[0])
    install = f"python -m pip install -q --disable-pip-version-check -e .{extra}"
    assert run(repo, script, *args) == [install, " ".join((runs, *args))]
    assert run(repo, script) == [runs]  # nothing changed: straight to the command
    with (repo / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# a new dependency, say\n")
    assert run(repo, script) == [install, runs]
    assert run(repo, script) == [runs]
