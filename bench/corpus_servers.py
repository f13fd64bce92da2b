"""The servers bench/corpus.py compares: the mock (`mockserver serve`, which picks its port and prints it in its
banner) and Stoplight Prism. Each is its own process group, timed from process start to its first answered request;
its log is read afterwards for tracebacks and start-up warnings."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BANNER = re.compile(r"listening on (http://[0-9.]+:[0-9]+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
START_TIMEOUT = 60.0  # seconds from process start to the first answer; past it the server counts as refused


RUNNING: set[subprocess.Popen[bytes]] = set()  # every process group started here, for kill_all


def spawn(argv: list[str], log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `argv` as its own process group (so that its children stop with it), its output in `log`."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    RUNNING.add(proc)
    return proc


def end(proc: subprocess.Popen[bytes], first: signal.Signals = signal.SIGTERM, grace: float = 5) -> None:
    """Send `first` to the process group, then SIGKILL if it is still there after `grace` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, first)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    RUNNING.discard(proc)


def kill_all() -> None:
    for proc in list(RUNNING):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Server:
    name: str  # "mock" or "prism"
    proc: subprocess.Popen[bytes]
    log: Path
    url: str | None = None
    refusal: str | None = None  # one line: why it did not start
    time_to_first_answer: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def start(name: str, argv: list[str], log: Path, url: str | None = None) -> Server:
    """Start `argv` with its output in `log`; wait until it answers a request at `url` (or, with none, at the URL its
    banner names) or exits or START_TIMEOUT passes."""
    started = time.monotonic()
    proc = spawn(argv, log)
    server = Server(name, proc, log)
    while time.monotonic() - started < START_TIMEOUT:
        if url is None:
            found = BANNER.search(log.read_text(errors="replace"))
            url = found.group(1) if found else None
        if url is not None and answers(url):
            server.url, server.time_to_first_answer = url, time.monotonic() - started
            return server
        if proc.poll() is not None:
            server.refusal = refusal(log.read_text(errors="replace")) or f"exited with status {proc.returncode}"
            return server
        time.sleep(0.02)
    stop(server)
    server.refusal = f"no answer within {START_TIMEOUT:.0f} s"
    return server


def stop(server: Server) -> None:
    end(server.proc)


def refusal(output: str) -> str | None:
    """The one line saying why a server stopped: a traceback's exception, else the mock's error line, else the last."""
    lines = [ANSI.sub("", line).rstrip() for line in output.splitlines() if line.strip()]
    exceptions = python_tracebacks(output)
    if exceptions:
        return f"traceback: {exceptions[0]}"
    errors = [line for line in lines if line.startswith("mockserver: error:")]
    last = errors or lines
    return last[-1] if last else None


def python_tracebacks(output: str) -> list[str]:
    """The exception line closing each Python traceback in `output`."""
    found, inside = [], False
    for line in output.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line[0].isspace():
            found.append(line.strip())
            inside = False
    return found


def node_stacks(output: str) -> list[str]:
    """The line before each JavaScript stack trace (`    at f (file:1:2)` lines) in `output`."""
    found, previous, inside = [], "", False
    for line in ANSI.sub("", output).splitlines():
        at = re.match(r"\s+at \S", line) is not None
        if at and not inside:
            found.append(previous.strip())
        inside, previous = at, line if not at else previous
    return found


def read_log(server: Server) -> None:
    """Tracebacks and start-up warnings in the server's log, into its facts."""
    output = server.log.read_text(errors="replace") if server.log.exists() else ""
    stacks = python_tracebacks(output) if server.name == "mock" else node_stacks(output)
    warnings = [line.strip() for line in output.splitlines() if line.startswith("mockserver: warning:")]
    server.facts.update(
        tracebacks=len(stacks),
        traceback_sample=stacks[0][:400] if stacks else None,
        warnings=len(warnings),
        warning_samples=warnings[:5],
    )
