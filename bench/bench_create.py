"""Valid-create load on the mock and, in the same run, on a bare Starlette endpoint; prints the ratio.

    python bench/bench_create.py [--duration 10] [--connections 16] [--rounds 3]

Needs `wrk` (Debian: apt-get install wrk). Both servers are uvicorn with uvloop and httptools, one
process, no access log. Loopback only; each load is bounded by --duration.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_answering(port: int, started: float, limit: float = 20.0) -> float:
    """Seconds from `started` until the server answers a create (polls; a benchmark, not a test)."""
    import http.client

    body = (HERE / "create.lua").read_text().split("wrk.body = '", 1)[1].split("'", 1)[0]
    while time.perf_counter() - started < limit:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request(
                "POST",
                "/api/v1/iframe/create",
                body,
                {"Content-Type": "application/json", "Authorization": "Bearer sk-bench"},
            )
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"nothing answered on port {port} within {limit} s")


def wrk(port: int, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(HERE / "create.lua"),
            f"http://127.0.0.1:{port}/api/v1/iframe/create",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} answers were not 200:\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99")}


def run(name: str, command: list[str], port: int, args: argparse.Namespace) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = wait_until_answering(port, started)
        wrk(port, 2, args.connections)  # warm-up
        result = wrk(port, args.duration, args.connections)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result["ready_s"] = ready
    print(
        f"{name:>6}: {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
        f"ready after {ready:.2f} s",
        flush=True,
    )
    return result


def bare_command(port: int, app: str = "bare_app:app") -> list[str]:
    """The baseline app under uvicorn; `app="bare_app:redis_app"` for the one-Redis-round-trip one."""
    factory = ["--factory"] if app.endswith("redis_app") else []
    return [
        PY,
        "-m",
        "uvicorn",
        "--app-dir",
        str(HERE),
        app,
        *factory,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]


def mock_command(port: int, extra: str) -> list[str]:
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
        *extra.split(),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare and mock alternate this many times; medians are reported"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--mock-args", default="", help="extra `mockserver serve` flags, e.g. '--alg HS256'")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")
    # This machine's speed drifts by tens of percent from minute to minute: alternate the two, pair each mock round
    # with the bare round just before it, and report medians.
    rounds: list[dict[str, dict[str, float]]] = []
    for _ in range(args.rounds):
        port = free_port()
        bare = run("bare", bare_command(port), port, args)
        port = free_port()
        mock = run("mock", mock_command(port, args.mock_args), port, args)
        rounds.append({"bare": bare, "mock": mock})
        print(f" round: mock/bare throughput {mock['rps'] / bare['rps']:.0%}", flush=True)

    def median(side: str, figure: str) -> float:
        return statistics.median(r[side][figure] for r in rounds)

    ratios = sorted(r["mock"]["rps"] / r["bare"]["rps"] for r in rounds)
    print(
        f"median of {len(rounds)} rounds: bare {median('bare', 'rps'):.0f} req/s p99 {median('bare', 'p99_ms'):.2f} ms; "
        f"mock {median('mock', 'rps'):.0f} req/s p99 {median('mock', 'p99_ms'):.2f} ms, "
        f"ready after {median('mock', 'ready_s'):.2f} s"
    )
    print(
        f" ratio: mock/bare throughput {statistics.median(ratios):.0%} (rounds {ratios[0]:.0%}-{ratios[-1]:.0%}); "
        f"p99 mock/bare {median('mock', 'p99_ms') / median('bare', 'p99_ms'):.1f}x"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "ratio": statistics.median(ratios)}, indent=2))


if __name__ == "__main__":
    main()
