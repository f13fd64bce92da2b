"""What `mockserver proxy` adds to a request, and what a long recording costs in memory.

    python bench/bench_proxy.py [--duration 10] [--connections 16] [--rounds 3] [--proxy-args "--record x.har"]
    python bench/bench_proxy.py --compare-ref e88d80c    # the proxy of that commit too, in the same rounds
    python bench/bench_proxy.py --memory 50000

Throughput: valid creates driven by wrk at a local upstream mock directly and, in the same run, through a proxy in
front of that same upstream (and through the proxy of each --compare-ref commit, run from that commit's files); they
alternate for --rounds, and medians are reported with their ratio to the direct call, and each process's CPU time a
request, which a busy machine disturbs less than throughput. Needs `wrk` (Debian: apt-get install wrk).

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


def start(*args: str, source: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """`mockserver ARGS` on a free port; with `source`, the package from that folder (an older commit's tree)."""
    port = free_port()
    command = [PY, "-m", "mockserver", *args, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    env = {**os.environ, "PYTHONPATH": str(source)} if source else None
    where = source or HERE.parent
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=where), port


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_of(ref: str, into: Path) -> Path:
    """The repository's files at git REF, unpacked into a folder (nothing in the repository changes)."""
    archive = subprocess.run(["git", "archive", ref], cwd=HERE.parent, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def throughput(args: argparse.Namespace) -> None:
    import time

    with tempfile.TemporaryDirectory() as folder:
        sources: dict[str, Path | None] = {"proxy": None}
        for ref in args.compare_ref:
            into = Path(folder) / ref.replace("/", "_")
            into.mkdir()
            sources[f"proxy@{ref}"] = tree_of(ref, into)
        measure(args, sources, time.perf_counter())


def measure(args: argparse.Namespace, sources: dict[str, Path | None], started: float) -> None:
    upstream, up_port = start("serve", *args.upstream_args.split())
    origin = f"http://127.0.0.1:{up_port}"
    proxies = {
        name: start("proxy", "--upstream", origin, *args.proxy_args.split(), source=source)
        for name, source in sources.items()
    }
    try:
        wait_until_answering(up_port, started)
        for _, port in proxies.values():
            wait_until_answering(port, started)
        rounds = []
        for _ in range(args.rounds):
            wrk(up_port, 2, args.connections)  # warm-up
            before = cpu_seconds(upstream.pid)
            figures = {"direct": wrk(up_port, args.duration, args.connections)}
            figures["direct"]["upstream_us"] = per_request(cpu_seconds(upstream.pid) - before, figures["direct"], args)
            for name, (proc, port) in proxies.items():
                wrk(port, 2, args.connections)
                before, before_up = cpu_seconds(proc.pid), cpu_seconds(upstream.pid)
                figures[name] = wrk(port, args.duration, args.connections)
                figures[name]["proxy_us"] = per_request(cpu_seconds(proc.pid) - before, figures[name], args)
                figures[name]["upstream_us"] = per_request(cpu_seconds(upstream.pid) - before_up, figures[name], args)
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

    print(
        f"median of {len(rounds)} rounds; direct {median('direct', 'rps'):.0f} req/s, p99 "
        f"{median('direct', 'p99_ms'):.2f} ms, upstream CPU {median('direct', 'upstream_us'):.0f} µs a request"
    )
    ratios = {}
    for name in proxies:
        each = sorted(r[name]["rps"] / r["direct"]["rps"] for r in rounds)
        ratios[name] = statistics.median(each)
        print(
            f" {name}: {median(name, 'rps'):.0f} req/s, {ratios[name]:.0%} of direct (rounds {each[0]:.0%}-{each[-1]:.0%}); "
            f"p99 {median(name, 'p99_ms'):.2f} ms ({median(name, 'p99_ms') / median('direct', 'p99_ms'):.1f}x); "
            f"CPU a request: proxy {median(name, 'proxy_us'):.0f} µs, upstream {median(name, 'upstream_us'):.0f} µs"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "ratios": ratios}, indent=2))


def per_request(seconds: float, figures: dict[str, float], args: argparse.Namespace) -> float:
    """Microseconds of CPU a request, over the requests of one wrk run."""
    return seconds / max(1.0, figures["rps"] * args.duration) * 1e6


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
        "--compare-ref",
        action="append",
        default=[],
        metavar="GIT_REF",
        help="also measure the proxy as it was at this commit, in the same rounds (repeatable), e.g. the commit "
        "before the upstream client changed",
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
