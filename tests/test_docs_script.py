"""`scripts/docs` installs the site's tools into .venv only when pyproject.toml changed since, then serves the site."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Stand-ins for pip and mkdocs, recording each call: what is under test is the script's own logic (the site itself
# is built by tests/test_docs.py).
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/../calls.log"\n'


def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "docs", tmp_path / "scripts" / "docs")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "mkdocs"):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def docs(repo: Path, *args: str) -> list[str]:
    log = repo / ".venv" / "calls.log"
    log.unlink(missing_ok=True)
    subprocess.run([str(repo / "scripts" / "docs"), *args], check=True, timeout=60)
    return log.read_text().splitlines()


def test_docs_installs_once_and_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    install = "python -m pip install -q --disable-pip-version-check -e .[dev]"
    assert docs(repo, "-a", "127.0.0.1:8100") == [install, "mkdocs serve -a 127.0.0.1:8100"]
    assert docs(repo) == ["mkdocs serve"]  # nothing changed: straight to the site
    with (repo / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n# a new pin, say\n")
    assert docs(repo) == [install, "mkdocs serve"]
    assert docs(repo) == ["mkdocs serve"]
