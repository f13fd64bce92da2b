"""Each benchmark in bench/ still runs, briefly, against real servers and prints its ratios. The figures are not
asserted (CI never asserts a wall-clock time; docs/explanation/benchmarks.md has the measured ones): this catches a
benchmark that a change to the mock or to another benchmark broke."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "bench"

pytestmark = pytest.mark.wrk  # wrk loads every benchmark
WITH_REDIS = {"resources-redis", "store"}  # these start a redis-server of their own

RUNS = {
    "create": (["bench_create.py", "--duration", "1", "--rounds", "1"], r"mock/bare throughput \d+%"),
    "generic": (
        ["bench_create.py", "--duration", "1", "--rounds", "1", "--target", "generic"],
        r"mock/bare throughput \d+%",
    ),
    "resources": (["bench_resources.py", "--duration", "1", "--rounds", "1"], r"mock \(memory\) / bare: \d+%"),
    "resources-redis": (
        ["bench_resources.py", "--duration", "1", "--rounds", "1", "--store", "redis"],
        r"mock \(redis\) / bare with one Redis round trip: \d+%",
    ),
    "store": (["bench_store.py", "--duration", "1"], r"1 worker on redis / bare with one Redis round trip: [\d.]+x"),
    "proxy": (["bench_proxy.py", "--duration", "1", "--rounds", "1"], r"proxy: \d+ req/s, \d+% of direct"),
    "startup": (["bench_startup.py", "--rounds", "1"], r"first answer [\d.]+ s"),
    "hostile": (["bench_hostile.py", "--seconds", "2", "--baseline", "1"], r"5xx by kind: none"),
    "coverage-memory": (["bench_coverage_memory.py", "--seconds", "1", "--requests", "2000"], r"RSS"),
    "profile": (["profile_create.py", "--requests", "200", "--rounds", "1"], r"signatures finished"),
}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=[pytest.mark.redis] if name in WITH_REDIS else []) for name in RUNS]
)
def test_a_benchmark_runs_and_reports(name: str) -> None:
    (script, *args), reported = RUNS[name]
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300, cwd=BENCH.parent
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(reported, done.stdout), done.stdout[-2000:]
