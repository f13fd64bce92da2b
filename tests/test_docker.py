"""The container image and the compose file (docker/smoke, with podman): built from wheels made here, run as a
non-root user, healthy, and two replicas on one Redis serving each other's links."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SMOKE = Path(__file__).parents[1] / "docker" / "smoke"


@pytest.mark.container
def test_the_image_and_the_compose_file_pass_the_smoke_test() -> None:
    done = subprocess.run([str(SMOKE)], capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{SMOKE} failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    assert "smoke passed" in done.stdout
