"""Real server processes for the tests where the wire matters or several processes must agree: `mockserver serve`,
`mockserver proxy`, and the drifting upstream of `tests/drifting_upstream.py`."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
BANNER = re.compile(r"(?:camelAI mock|camelAI mock proxy|drifting upstream) listening on (http://\S+)")


class ServerProcess:
    """A server started as its own process; ready once it prints its banner, whose URL it keeps."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str] | None = None,
        *,
        base_env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        timeout: float = 20,
    ):
        """`env` adds to `base_env` (default: this process's environment); `timeout`: seconds to the banner."""
        # Unbuffered: a line read must not leave the next one (the banner) in a buffer the selector cannot see.
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**(os.environ if base_env is None else base_env), **(env or {})},
            cwd=cwd,
            bufsize=0,
        )
        self.startup_output = ""  # everything printed up to and including the banner
        self.url = self._wait_for_banner(timeout)

    def _wait_for_banner(self, timeout: float = 20) -> str:
        assert self.proc.stdout is not None
        seen = b""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if sel.select(timeout=deadline - time.monotonic()):
                    line = self.proc.stdout.readline()
                    if not line:
                        break
                    seen += line
                    found = BANNER.search(line.decode())
                    if found:
                        self.startup_output = seen.decode(errors="replace")
                        return found.group(1)
        self.stop()
        raise RuntimeError(f"{self.proc.args!r} did not start: {seen.decode(errors='replace')}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class MockProcess(ServerProcess):
    """`mockserver serve` (or `command`, e.g. `proxy`) on a free port unless `--port` is among `args`."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, command: str = "serve"):
        base = [sys.executable, "-m", "mockserver", command, "--port", "0", "--no-access-log", "--log-level", "warning"]
        super().__init__([*base, *args], env)
