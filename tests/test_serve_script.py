"""`scripts/serve` installs the mock into .venv only when pyproject.toml changed since the last install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Stand-ins for pip and the installed command, recording each call: what is under test is the script's own logic.
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/../calls.log"\n'


def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "serve", tmp_path / "scripts" / "serve")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "mockserver"):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def serve(repo: Path, *args: str) -> list[str]:
    log = repo / ".venv" / "calls.log"
    log.unlink(missing_ok=True)
    subprocess.run([str(repo / "scripts" / "serve"), *args], check=True, timeout=60)
    return log.read_text().splitlines()


def test_serve_installs_once_and_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    install = "python -m pip install -q --disable-pip-version-check -e ."
    assert serve(repo, "--port", "9") == [install, "mockserver serve --port 9"]
    assert serve(repo) == ["mockserver serve"]  # nothing changed: straight to the mock
    with (repo / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# a new dependency, say\n")
    assert serve(repo) == [install, "mockserver serve"]
    assert serve(repo) == ["mockserver serve"]
