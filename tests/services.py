"""The services some tests need on the machine: Redis, a Chromium, podman, node, wrk. Each has a marker (declared in
pyproject.toml); a marked test whose service is missing errors at set-up with one line naming the marker to deselect,
so a contributor without the service gets a green run of the rest with `-m "not redis and not browser ..."`, and
nothing is skipped in silence. `scripts/test` installs every service, and CI runs every test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    """The Chromium to drive: PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, else the first of BROWSERS on PATH."""
    named = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH")
    if named:
        return named if os.access(named, os.X_OK) else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


# Chromium's flags for a sandboxed root CI on a closed network: no GPU, no sandbox, no look-ups but loopback's.
CHROMIUM_ARGS = ["--disable-gpu", "--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def launch(playwright: Any) -> Any:
    """The browser tests' Chromium, launched through `playwright` (`sync_playwright()`'s value)."""
    return playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)


def _all_on_path(*tools: str) -> Callable[[], bool]:
    return lambda: all(shutil.which(tool) for tool in tools)


# marker: (is the service here?, what the test needs)
SERVICES: dict[str, tuple[Callable[[], object], str]] = {
    "redis": (_all_on_path("redis-server"), "needs redis-server on PATH"),
    "browser": (
        chromium,
        "needs Chromium: PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH (an executable file), or one of "
        f"{', '.join(BROWSERS)} on PATH",
    ),
    "container": (_all_on_path("podman"), "needs podman on PATH"),
    "node": (_all_on_path("node", "npm"), "needs node and npm on PATH"),
    "wrk": (_all_on_path("wrk"), "needs wrk on PATH"),
}
_found: dict[str, bool] = {}


def missing(marker: str) -> str | None:
    """None when the service is here; otherwise the one line a test that needs it errors with."""
    present, needs = SERVICES[marker]
    if marker not in _found:
        _found[marker] = bool(present())
    return None if _found[marker] else f"{needs}; deselect with -m 'not {marker}'"


# Fixtures that start a service: a test that uses one must carry its marker (checked at collection).
SERVICE_FIXTURES = {"redis_server": "redis"}
