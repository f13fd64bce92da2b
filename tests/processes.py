"""Real `mockserver serve` processes for the tests where several processes must agree."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time

BANNER = re.compile(r"camelAI mock listening on (http://\S+)")


class MockProcess:
    def __init__(self, *args: str, env: dict[str, str] | None = None):
        command = [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            "0",
            "--no-access-log",
            "--log-level",
            "warning",
            *args,
        ]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        self.url = self._wait_for_banner()

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
                        return found.group(1)
        self.stop()
        raise RuntimeError(f"mockserver did not start: {seen.decode(errors='replace')}")

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
