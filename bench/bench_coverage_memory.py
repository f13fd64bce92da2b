"""The coverage counters' memory over a long run of distinct invalid creates: the mock's resident memory as the count
grows, which must stay flat (issue 20: counters bounded by the document, not by traffic).

    python bench/bench_coverage_memory.py [--requests 500000] [--seconds 10] [--connections 8]

Drives bench/invalid.lua with wrk in steps of --seconds until --requests were answered, printing VmRSS after each, then the
coverage report's breaches (the counters themselves). Needs `wrk`. Loopback only; nothing here is asserted by CI.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_create import free_port, wait_until_answering

HERE = Path(__file__).parent


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk step; RSS is read after each")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--api-key", "sk-bench"]
    proc = subprocess.Popen([*command, "--no-access-log", "--log-level", "warning"])
    try:
        wait_until_answering(port, time.perf_counter())
        answered = 0
        print(f"{answered:>9} requests: RSS {rss_kb(proc.pid):>8} KB", flush=True)
        while answered < args.requests:
            started = time.perf_counter()
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "-s",
                    str(HERE / "invalid.lua"),
                    f"http://127.0.0.1:{port}/api/v1/iframe/create",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
            answered += done
            rate = done / (time.perf_counter() - started)
            print(f"{answered:>9} requests: RSS {rss_kb(proc.pid):>8} KB  ({rate:.0f}/s)", flush=True)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__mock/coverage") as answer:
            report = json.load(answer)
        for breach in report["breaches"]:
            print(f"  breach {breach['operation']} {breach['field']}: {breach['rule']} x{breach['count']}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
