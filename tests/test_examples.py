"""The TypeScript example end to end (examples/typescript/run): an SDK generated from the document a fresh mock
serves, compiled, and tested with node's test runner against that mock."""

from __future__ import annotations

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
