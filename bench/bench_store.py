"""Valid-create load on one worker with the memory store and, in the same run, two workers sharing Redis.

    python bench/bench_store.py [--duration 10] [--connections 16]

Needs `wrk` and `redis-server` (Debian: apt-get install wrk redis-server); starts its own Redis on a free loopback
port. Also measures one worker on Redis, which separates what Redis costs from what a second worker gains, and, as
baselines, the bare create and the bare create making exactly one Redis round trip (a GET, the mock's client
library: the limit of any Redis-backed design here).
Prints requests/s, p50 and p99 of each and the ratios; figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
from bench_create import PY, bare_command, free_port, run


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                proc.terminate()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.01)
    client.close()
    return proc, f"redis://127.0.0.1:{port}/0"


def mock(port: int, *extra: str) -> list[str]:
    return [PY, "-m", "mockserver", "serve", "--port", str(port), "--no-access-log", "--log-level", "warning", *extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.set_defaults(target="create")  # what bench_create.run loads
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (Debian: apt-get install {tool})")
    server, url = start_redis()
    os.environ["BARE_REDIS_URL"] = url
    try:
        results = {}
        port = free_port()
        results["bare"] = run("bare", bare_command(port), port, args)
        port = free_port()
        results["bare-redis"] = run("bare + 1 GET", bare_command(port, "bare_app:redis_app"), port, args)
        port = free_port()
        results["memory-1"] = run("memory, 1 worker", mock(port), port, args)
        for workers in (2, 1):
            port = free_port()
            shared = ("--store", url, "--store-prefix", f"bench-{secrets.token_hex(4)}", "--workers", str(workers))
            results[f"redis-{workers}"] = run(f"redis, {workers} worker(s)", mock(port, *shared), port, args)
    finally:
        server.terminate()
        server.wait(timeout=10)
    base, two, one = results["memory-1"], results["redis-2"], results["redis-1"]
    bare, limit = results["bare"], results["bare-redis"]
    print(
        f"ratio: 2 workers on redis / 1 worker on memory: throughput {two['rps'] / base['rps']:.2f}x, "
        f"p99 {two['p99_ms'] / base['p99_ms']:.2f}x; 1 worker on redis / memory: {one['rps'] / base['rps']:.2f}x\n"
        f"ratio: 1 worker on redis / bare with one Redis round trip: {one['rps'] / limit['rps']:.2f}x, "
        f"/ bare: {one['rps'] / bare['rps']:.2f}x; 1 worker on memory / bare: {base['rps'] / bare['rps']:.2f}x"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
