"""Virtual environments for tests of what a user's installation holds or lacks."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path


def venv_without(tmp_path: Path, *left_out: str) -> Path:
    """A fresh virtual environment holding what this one has installed, less the distributions `left_out`.

    Every other distribution is linked in (this package's editable install too), so nothing is downloaded; one left
    out is absent as if never installed: none of its files, so neither its modules nor its entry points (a pytest
    plugin's `pytest11`) are there.
    """
    home = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(home)], check=True, timeout=60)
    python = home / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([python, "-c", where], capture_output=True, text=True, check=True).stdout.strip())
    dropped = {
        file.parts[0] for name in left_out for file in importlib.metadata.distribution(name).files or () if file.parts
    }
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name not in dropped and entry.name != "__pycache__":
            (site / entry.name).symlink_to(entry)
    for name in left_out:
        module = name.replace("-", "_")
        found = subprocess.run(
            [python, "-c", f"import importlib.util as u; print(u.find_spec({module!r}))"],
            capture_output=True,
            text=True,
        )
        assert found.stdout.strip() == "None", f"{name} is still importable"
    return python
