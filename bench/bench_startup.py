"""Start-up, from process start to the first answered request, and resident memory after serving: the mock on its
default document and on camelAI's 43-operation 2025 document, and in the same run a bare Starlette app on uvicorn.

    python bench/bench_startup.py [--rounds 7]

Rounds interleave the three, so a busy machine slows each alike; medians are printed. Memory is the server
process's VmRSS after 200 requests, and apart from it that of the ES256 nonce helper it starts.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[1]
PY = sys.executable
MOCK = [PY, "-m", "mockserver", "serve", "--api-key", "sk", "--no-access-log", "--log-level", "warning"]
SERVERS = {
    "bare Starlette (baseline)": ([PY, "-m", "uvicorn", "bare_app:app", "--app-dir", str(ROOT / "bench")], "/x"),
    "mock, openapi.yaml": ([*MOCK, "--spec", str(ROOT / "openapi.yaml")], "/.well-known/jwks.json"),
    "mock, 2025 document": (
        [*MOCK, "--spec", str(ROOT / "contracts/vendor/camelai-api-2025-08-18.openapi.yaml")],
        "/api/v1/threads/1/",
    ),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(command: list[str], path: str) -> tuple[float, float, float]:
    """Seconds to the first answer, then MB resident in the server and in its children."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with httpx.Client(headers={"Authorization": "Bearer sk"}) as client:
            while True:
                try:
                    client.get(url)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None:
                        raise SystemExit(f"{' '.join(command)} exited with {proc.returncode}") from None
                    time.sleep(0.002)
            first = time.perf_counter() - started
            for n in range(200):
                client.get(url.replace("/1/", f"/{n}/"))
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        return first, rss_mb(proc.pid), sum(rss_mb(int(child)) for child in children)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def compile_sources() -> None:
    """Both sides start from bytecode, as an installed package does (pip writes it at install; an editable install
    on its first run). With PYTHONDONTWRITEBYTECODE set, as on some CI machines, the mock's sources would otherwise
    be compiled on every start (about 80 modules) while Starlette's and uvicorn's wheels came compiled."""
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "mockserver"), str(ROOT / "bench")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    compile_sources()
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in SERVERS}
    for _ in range(rounds):
        for name, (command, path) in SERVERS.items():
            runs[name].append(measure(command, path))
    for name, found in runs.items():
        first, rss, helper = (statistics.median(column) for column in zip(*found, strict=True))
        print(f"{name:28} first answer {first:.3f} s (min {min(f[0] for f in found):.3f})   RSS {rss:.1f} MB", end="")
        print(f" + helper {helper:.1f} MB" if helper else "")


if __name__ == "__main__":
    main()
