"""A real `redis-server` (Debian's package; `scripts/test` installs it) on a free loopback port, for the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    def __init__(self, port: int | None = None):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run scripts/test (it installs Debian's redis-server)")
        self.binary = binary
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[str] | None = None
        self.drain: threading.Thread | None = None

    def start(self) -> RedisServer:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:  # redis-server says when it listens: wait for that line, no polling
            seen.append(line)
            if "Ready to accept connections" in line:
                # Nobody reads its log from here on; let it go nowhere rather than fill the pipe.
                self.drain = threading.Thread(target=self.proc.stdout.read, daemon=True)
                self.drain.start()
                return self
        raise RuntimeError(f"redis-server on port {self.port} did not start:\n{''.join(seen[-10:])}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            if self.drain is not None:
                self.drain.join(timeout=10)  # the pipe is at its end once the server has exited
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
