"""Stateful create/retrieve pairs on the mock (the 2025 document's knowledge base) and, in the same run, on a bare
Starlette create and retrieve answering constant JSON; prints the ratio. With --store redis each round also runs the
bare app making exactly one Redis round trip per request (a GET, the mock's client library: the limit of any
Redis-backed design here), the mock on memory, and the mock on Redis with one and with two workers.

    python bench/bench_resources.py [--duration 10] [--connections 4] [--rounds 3] [--store redis]

Needs `wrk` (and `redis-server` for --store redis). Each wrk thread drives one connection (-tN -cN), so each
connection creates an entry and then reads that entry back by its id, in a session of its own. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_create import PY, bare_command, free_port

HERE = Path(__file__).parent
SPEC = HERE.parent / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"


def wait_until_listening(port: int, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing answered on port {port} within {limit} s")


def wrk(port: int, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{connections}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(HERE / "resources.lua"),
            f"http://127.0.0.1:{port}",
            "--",
            str(time.time_ns()),  # the run's own sessions (resources.lua)
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} answers were not 2xx:\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"pairs": rps / 2, "p50_ms": pct("50"), "p99_ms": pct("99")}


def run(name: str, command: list[str], port: int, args: argparse.Namespace) -> dict[str, float]:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port)
        wrk(port, 2, args.connections)  # warm-up
        result = wrk(port, args.duration, args.connections)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"{name:>10}: {result['pairs']:>8.0f} pairs/s  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms",
        flush=True,
    )
    return result


def mock_command(port: int, store: list[str]) -> list[str]:
    return [
        PY,
        "-m",
        "mockserver",
        "serve",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--api-key",
        "sk-bench",
        "--spec",
        str(SPEC),
        *store,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["memory", "redis"], default="memory")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")
    redis_proc = None
    # Each round: name -> (command for a port); the first is the baseline the others are compared with.
    apps: dict[str, Callable[[int, int], list[str]]] = {
        "bare": lambda port, n: bare_command(port),
        "memory": lambda port, n: mock_command(port, []),
    }
    if args.store == "redis":
        from bench_store import start_redis

        redis_proc, url = start_redis()
        os.environ["BARE_REDIS_URL"] = url

        def on_redis(workers: int) -> Callable[[int, int], list[str]]:
            def command(port: int, n: int) -> list[str]:
                prefix = f"bench-{n}-{workers}-{time.time_ns()}"
                return mock_command(port, ["--store", url, "--store-prefix", prefix, "--workers", str(workers)])

            return command

        apps = {
            "bare": apps["bare"],
            "bare+1 GET": lambda port, n: bare_command(port, "bare_app:redis_app"),
            "memory": apps["memory"],
            "redis": on_redis(1),
            "redis x2": on_redis(2),
        }
    try:
        rounds = []
        for n in range(args.rounds):
            found = {}
            for name, command in apps.items():
                port = free_port()
                found[name] = run(name, command(port, n), port, args)
            rounds.append(found)
            print(" round: " + ratios_line(found), flush=True)
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
    med = statistics.median
    print(f"median of {len(rounds)} rounds ({args.store}):")
    for name in apps:
        print(
            f"  {name:>10}: {med(r[name]['pairs'] for r in rounds):>6.0f} pairs/s, "
            f"p99 {med(r[name]['p99_ms'] for r in rounds):.2f} ms"
        )
    for label, (top, bottom) in RATIOS.items():
        if top in apps and bottom in apps:
            values = sorted(r[top]["pairs"] / r[bottom]["pairs"] for r in rounds)
            print(f"  {label}: {med(values):.0%} (rounds {values[0]:.0%}-{values[-1]:.0%})")


# The ratios reported, each of two apps run in the same round.
RATIOS = {
    "mock (memory) / bare": ("memory", "bare"),
    "mock (redis) / bare": ("redis", "bare"),
    "mock (redis) / bare with one Redis round trip": ("redis", "bare+1 GET"),
    "mock (redis, 2 workers) / mock (memory, 1 worker)": ("redis x2", "memory"),
}


def ratios_line(found: dict[str, dict[str, float]]) -> str:
    shown = []
    for label, (top, bottom) in RATIOS.items():
        if top in found and bottom in found:
            shown.append(f"{label} {found[top]['pairs'] / found[bottom]['pairs']:.0%}")
    return "; ".join(shown)


if __name__ == "__main__":
    main()
