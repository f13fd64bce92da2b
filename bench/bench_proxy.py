"""What `mockserver proxy` adds to a request, and what a long recording costs in memory.

    python bench/bench_proxy.py [--duration 10] [--connections 16] [--rounds 3] [--proxy-args "--record x.har"]
    python bench/bench_proxy.py --memory 50000

Throughput: valid creates driven by wrk at a local upstream mock directly and, in the same run, through a proxy in
front of that same upstream; the two alternate for --rounds and medians are reported with their ratio. Needs `wrk`
(Debian: apt-get install wrk).

Memory: --memory N drives wrk (bench/record.lua: three valid creates to one that breaks the contract) through a
proxy that records every exchange, in rounds of --duration seconds until the HAR file holds N entries, and prints the
proxy's resident memory as the recording grows; then it reads the whole file back as JSON. Loopback only; nothing here is asserted by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_create import PY, free_port, wait_until_answering, wrk

HERE = Path(__file__).parent
BANNER = re.compile(rb"listening on (http://\S+)")


def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [PY, "-m", "mockserver", *args, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    environment = {**os.environ, **(env or {})}
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment), port


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def throughput(args: argparse.Namespace) -> None:
    import time

    clients = args.clients.split(",")
    upstream, up_port = start("serve", *args.upstream_args.split())
    proxies = {
        client: start(
            "proxy",
            "--upstream",
            f"http://127.0.0.1:{up_port}",
            *args.proxy_args.split(),
            env={"MOCKSERVER_PROXY_CLIENT": client},
        )
        for client in clients
    }
    try:
        started = time.perf_counter()
        wait_until_answering(up_port, started)
        for _, port in proxies.values():
            wait_until_answering(port, started)
        rounds = []
        for _ in range(args.rounds):
            wrk(up_port, 2, args.connections)  # warm-up
            figures = {"direct": wrk(up_port, args.duration, args.connections)}
            for client, (_, port) in proxies.items():
                wrk(port, 2, args.connections)
                figures[client] = wrk(port, args.duration, args.connections)
            rounds.append(figures)
            direct = figures["direct"]["rps"]
            print(
                " round: "
                + "; ".join(
                    f"{side} {f['rps']:.0f} req/s p99 {f['p99_ms']:.2f} ms ({f['rps'] / direct:.0%})"
                    for side, f in figures.items()
                ),
                flush=True,
            )
    finally:
        for proc, _ in proxies.values():
            stop(proc)
        stop(upstream)

    def median(side: str, figure: str) -> float:
        return statistics.median(r[side][figure] for r in rounds)

    print(f"median of {len(rounds)} rounds, as a share of a direct call ({median('direct', 'rps'):.0f} req/s):")
    ratios = {}
    for client in clients:
        each = sorted(r[client]["rps"] / r["direct"]["rps"] for r in rounds)
        ratios[client] = statistics.median(each)
        print(
            f" proxy with {client}: {median(client, 'rps'):.0f} req/s, throughput {ratios[client]:.0%} of direct "
            f"(rounds {each[0]:.0%}-{each[-1]:.0%}); p99 {median(client, 'p99_ms'):.2f} ms, "
            f"{median(client, 'p99_ms') / median('direct', 'p99_ms'):.1f}x direct's"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "ratios": ratios}, indent=2))


def entries_in(har: Path) -> int:
    """Entries in a HAR file the proxy wrote: one line each, between the head's line and the closing `]}}`."""
    with har.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 2


def memory(args: argparse.Namespace) -> None:
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        har = Path(folder) / "long.har"
        upstream, up_port = start("serve", "--alg", "HS256", "--journal-size", "100")
        proxy, proxy_port = start("proxy", "--upstream", f"http://127.0.0.1:{up_port}", "--record", str(har))
        try:
            import time

            started = time.perf_counter()
            wait_until_answering(up_port, started)
            wait_until_answering(proxy_port, started)
            print(f" {entries_in(har):>7} exchanges recorded: proxy RSS {rss_mb(proxy.pid):.1f} MB", flush=True)
            while entries_in(har) < args.memory:
                url = f"http://127.0.0.1:{proxy_port}/api/v1/iframe/create"
                command = ["wrk", "-t1", "-c16", f"-d{args.duration}s", "-s", str(HERE / "record.lua"), url]
                subprocess.run(command, capture_output=True, check=True)
                print(
                    f" {entries_in(har):>7} exchanges recorded: proxy RSS {rss_mb(proxy.pid):.1f} MB, "
                    f"HAR {har.stat().st_size / 2**20:.1f} MB",
                    flush=True,
                )
        finally:
            stop(proxy)
            stop(upstream)
        entries = json.loads(har.read_bytes())["log"]["entries"]
        violations = sum(1 for e in entries if e["_violations"])
        print(f"HAR file: {len(entries)} entries ({violations} with violations), a whole valid HAR 1.2 file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="direct and proxied alternate; medians are reported")
    parser.add_argument("--upstream-args", default="", help="extra `mockserver serve` flags for the upstream")
    parser.add_argument("--proxy-args", default="", help="extra `mockserver proxy` flags, e.g. '--record x.har'")
    parser.add_argument(
        "--clients",
        default="aiohttp",
        help="comma-separated upstream clients, one proxy each, measured in the same rounds (aiohttp, http1, httpcore)",
    )
    parser.add_argument("--memory", type=int, help="instead: record this many exchanges and report RSS")
    parser.add_argument("--json", help="also write the throughput figures to this file")
    args = parser.parse_args()
    if args.memory:
        memory(args)
        return
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (Debian: apt-get install wrk)")
    throughput(args)


if __name__ == "__main__":
    main()
