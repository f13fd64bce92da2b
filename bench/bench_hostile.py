"""A bounded hostile load test: a live mock under mixed abusive traffic, with ordinary creates alongside.

    python bench/bench_hostile.py [--seconds 180] [--hostile 4] [--ordinary 2] [--kinds header-1mb,uid-1mb]

Starts `mockserver serve --port 0 --api-key K` on 127.0.0.1 (loopback only) and, for --seconds, runs
--hostile concurrent clients cycling through the hostile kinds below, while --ordinary clients send
valid creates and time them. It first times ordinary creates alone for a few seconds, as a baseline.
It reports the server's peak resident memory (VmHWM, and VmRSS sampled every half second), the p50
and p99 of the ordinary creates, every answer by kind and status, the largest answer per kind, and
the tracebacks in the server's log. Exit status 1 if any answer was a 5xx, a request timed out, an
ordinary create failed, or the server died; 0 otherwise. Not part of the test suite: CI never
asserts timing.

Hostile kinds (each request is built once; every client sends them round-robin):
  body-1mb        a 1,000,000-character srcs item (just under the 1 MiB body cap)
  body-over-cap   a 2 MB body, Content-Length declared (413 expected)
  srcs-340k-ints  340,000 srcs items of the wrong type (680 KB)
  srcs-340k-empty 340,000 empty-string srcs items (1,020 KB)
  header-1mb      a 1 MB X-Big header (431 expected)
  header-20kb     a 20 KB header and 200 small ones (431 expected)
  uid-1mb         a create with a 1 MB uid, then 5 reads of its messages (each one journaled)
  nested-arrays   srcs nested 100,000 arrays deep
  number-1e400    ttl and limits.hourly of 1e400
  session-churn   a create in a new X-Mock-Session each time
  fault-flood     POST /__mock/faults, count 1000 and a 500 KB body, in a new session each time
  disconnect      half a create body with its Content-Length, then the connection closed
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

KEY = "K"
CREATE = "/api/v1/iframe/create"
VALID = {"uid": "user-1", "srcs": ["123"], "ttl": 900}
TIMEOUT = 60.0  # seconds one hostile exchange may take before it counts as a hang
BANNER = re.compile(r"camelAI mock listening on http://([\d.]+):(\d+)")


@dataclass
class Tally:
    answers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    largest: Counter[str] = field(default_factory=Counter)  # bytes of the largest answer per kind
    ordinary_ms: list[float] = field(default_factory=list)
    ordinary_failures: Counter[str] = field(default_factory=Counter)

    def note(self, kind: str, outcome: str, size: int = 0) -> None:
        self.answers[kind][outcome] += 1
        self.largest[kind] = max(self.largest[kind], size)


def http_request(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, declared: int | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]  # keep-alive, as real clients send
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or declared is not None or method == "POST":
        lines.append(f"Content-Length: {len(body) if declared is None else declared}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def create(body: bytes | str, headers: dict[str, str] | None = None, declared: int | None = None) -> bytes:
    raw = body.encode() if isinstance(body, str) else body
    sent = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **(headers or {})}
    return http_request("POST", CREATE, raw, sent, declared)


async def exchange(port: int, data: bytes, *, abort_after: int | None = None) -> tuple[str, int, bytes]:
    """Send `data`, read one answer: (status, its size, its body), or ('reset' | 'no answer' | 'closed by us', 0, b'')."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    try:
        try:
            writer.write(data if abort_after is None else data[:abort_after])
            await writer.drain()
        except ConnectionError:
            pass  # the server may answer (413, 431) and close before reading it all: read what it said
        if abort_after is not None:
            return "closed by us", 0, b""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            body = await asyncio.wait_for(reader.readexactly(int(length.group(1)) if length else 0), TIMEOUT)
        except (ConnectionError, asyncio.IncompleteReadError):
            return "reset", 0, b""
        if not head.startswith(b"HTTP/1.1 "):
            return "no answer", 0, b""
        return head[9:12].decode(), len(head) + len(body), body
    finally:
        writer.close()


def payloads(wanted: list[str] | None = None) -> dict[str, Callable[[int, int], Awaitable[list[tuple[str, int]]]]]:
    """Each hostile kind: a coroutine (port, serial) → [(outcome, answer size)]."""
    body_1mb = json.dumps({"uid": "u", "srcs": ["x" * 1_000_000]})
    over_cap = json.dumps({"uid": "u", "srcs": ["x" * 2_000_000]})
    ints = '{"uid": "u", "srcs": [' + ",".join(["1"] * 340_000) + "]}"
    empties = '{"uid": "u", "srcs": [' + ",".join(['""'] * 340_000) + "]}"
    nested = '{"uid": "u", "srcs": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge_number = '{"uid": "u", "srcs": ["1"], "ttl": 1e400, "limits": {"hourly": 1e400}}'
    uid_1mb = json.dumps({"uid": "u" * 1_000_000, "srcs": ["1"]})
    fault = json.dumps({"path": CREATE, "status": 503, "count": 1000, "body": {"detail": "z" * 500_000}}).encode()
    prebuilt = {
        "body-1mb": create(body_1mb),
        "body-over-cap": create(over_cap),
        "srcs-340k-ints": create(ints),
        "srcs-340k-empty": create(empties),
        "header-1mb": http_request("GET", "/.well-known/jwks.json", headers={"X-Big": "x" * 1_000_000}),
        "header-20kb": http_request(
            "GET", "/.well-known/jwks.json", headers={"X-Big": "x" * 20_000, **{f"X-{i}": "y" * 50 for i in range(200)}}
        ),
        "nested-arrays": create(nested),
        "number-1e400": create(huge_number),
    }

    def once(kind: str) -> Callable[[int, int], Awaitable[list[tuple[str, int]]]]:
        async def send(port: int, serial: int) -> list[tuple[str, int]]:
            status, size, _ = await exchange(port, prebuilt[kind])
            return [(status, size)]

        return send

    async def uid(port: int, serial: int) -> list[tuple[str, int]]:
        status, size, body = await exchange(port, create(uid_1mb))
        results = [(status, size)]
        if status == "200":
            key = json.loads(body)["cache_key"]
            for _ in range(5):
                results.append((await exchange(port, http_request("GET", f"/iframe/{key}/messages")))[:2])
        return results

    async def churn(port: int, serial: int) -> list[tuple[str, int]]:
        raw = create(json.dumps(VALID), {"X-Mock-Session": f"churn-{os.getpid()}-{serial}"})
        return [(await exchange(port, raw))[:2]]

    async def faults(port: int, serial: int) -> list[tuple[str, int]]:
        headers = {"Content-Type": "application/json", "X-Mock-Session": f"flood-{serial}"}
        return [(await exchange(port, http_request("POST", "/__mock/faults", fault, headers)))[:2]]

    async def disconnect(port: int, serial: int) -> list[tuple[str, int]]:
        raw = create(json.dumps(VALID), declared=10_000)
        return [(await exchange(port, raw, abort_after=len(raw) - len(json.dumps(VALID)) // 2))[:2]]

    kinds = {kind: once(kind) for kind in prebuilt}
    kinds.update({"uid-1mb": uid, "session-churn": churn, "fault-flood": faults, "disconnect": disconnect})
    unknown = set(wanted or ()) - set(kinds)
    if unknown:
        sys.exit(f"bench: unknown kind(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(kinds))}")
    return {k: v for k, v in kinds.items() if k in wanted} if wanted else kinds


async def hostile_client(
    port: int, kinds: dict[str, Callable[[int, int], Awaitable[list[tuple[str, int]]]]], start: int, until: float,
    tally: Tally, serials: itertools.count[int],
) -> None:  # fmt: skip
    names = list(kinds)
    for i in itertools.count(start):
        if time.monotonic() >= until:
            return
        kind = names[i % len(names)]
        try:
            results = await asyncio.wait_for(kinds[kind](port, next(serials)), TIMEOUT * 7)
        except TimeoutError:
            results = [("timeout", 0)]
        except OSError as exc:
            results = [(f"error {type(exc).__name__}", 0)]
        for outcome, size in results:
            tally.note(kind, outcome, size)


async def ordinary_client(port: int, until: float, tally: Tally, into: list[float]) -> None:
    import httpx

    body = {**VALID}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {KEY}"}) as c:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                r = await c.post(CREATE, json=body, timeout=TIMEOUT)
                outcome = str(r.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            into.append((time.perf_counter() - started) * 1000)
            if outcome != "200":
                tally.ordinary_failures[outcome] += 1


def memory_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


async def sample_rss(pid: int, until: float, samples: list[int]) -> None:
    while time.monotonic() < until:
        try:
            samples.append(memory_kb(pid, "VmRSS"))
        except OSError:
            return
        await asyncio.sleep(0.5)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def start_server(log: Path, extra: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--api-key", KEY, "--no-access-log", *extra]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log.open("wb"))
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()  # the banner, printed once the socket listens
    found = BANNER.search(line)
    if not found:
        proc.kill()
        sys.exit(f"bench: the mock did not start: {line}{log.read_text()}")
    return proc, int(found.group(2))


async def run(args: argparse.Namespace, port: int, pid: int) -> tuple[Tally, list[float], list[int]]:
    tally = Tally()
    baseline: list[float] = []
    until = time.monotonic() + args.baseline
    await asyncio.gather(*(ordinary_client(port, until, tally, baseline) for _ in range(args.ordinary)))
    kinds = payloads(args.kinds.split(",") if args.kinds else None)
    serials = itertools.count()
    samples: list[int] = []
    until = time.monotonic() + args.seconds
    print(f"hostile phase: {args.seconds} s, {args.hostile} hostile and {args.ordinary} ordinary clients", flush=True)
    await asyncio.gather(
        sample_rss(pid, until, samples),
        *(ordinary_client(port, until, tally, tally.ordinary_ms) for _ in range(args.ordinary)),
        *(hostile_client(port, kinds, i * 5, until, tally, serials) for i in range(args.hostile)),
    )
    return tally, baseline, samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180, help="length of the hostile phase (default 180)")
    parser.add_argument("--baseline", type=float, default=5, help="seconds of ordinary creates alone first")
    parser.add_argument("--hostile", type=int, default=4, help="concurrent hostile clients (default 4)")
    parser.add_argument("--ordinary", type=int, default=2, help="concurrent ordinary create clients (default 2)")
    parser.add_argument("--kinds", help="only these hostile kinds, comma-separated (default: all)")
    parser.add_argument("--mock-args", default="", help="extra `mockserver serve` flags")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        proc, port = start_server(log, args.mock_args.split())
        started_kb = memory_kb(proc.pid, "VmRSS")
        try:
            tally, baseline, samples = asyncio.run(run(args, port, proc.pid))
            alive = proc.poll() is None
            peak_kb = memory_kb(proc.pid, "VmHWM") if alive else max(samples, default=0)
            end_kb = memory_kb(proc.pid, "VmRSS") if alive else 0
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
        server_log = log.read_text(errors="replace")

    print(f"server RSS: {started_kb / 1024:.0f} MB at start, peak {peak_kb / 1024:.0f} MB (VmHWM), "
          f"{end_kb / 1024:.0f} MB at the end; sampled max {max(samples, default=0) / 1024:.0f} MB")  # fmt: skip
    print(f"ordinary creates alone:   {len(baseline):>6} p50 {percentile(baseline, 0.5):.2f} ms  "
          f"p99 {percentile(baseline, 0.99):.2f} ms")  # fmt: skip
    print(f"ordinary creates hostile: {len(tally.ordinary_ms):>6} p50 {percentile(tally.ordinary_ms, 0.5):.2f} ms  "
          f"p99 {percentile(tally.ordinary_ms, 0.99):.2f} ms  max {max(tally.ordinary_ms, default=0):.0f} ms; "
          f"failures {dict(tally.ordinary_failures) or 'none'}")  # fmt: skip
    fivexx: Counter[str] = Counter()
    hangs = 0
    print(f"{'kind':<16} {'sent':>6}  answers by status (largest answer)")
    for kind in sorted(tally.answers):
        answers = tally.answers[kind]
        fivexx[kind] = sum(n for outcome, n in answers.items() if outcome.startswith("5"))
        hangs += answers["timeout"]
        shown = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(answers.items()))
        print(f"{kind:<16} {sum(answers.values()):>6}  {shown} ({tally.largest[kind] / 1024:.0f} KiB)")
    tracebacks = server_log.count("Traceback (most recent call last)")
    print(f"5xx by kind: {dict(+fivexx) or 'none'}; timeouts: {hangs}; tracebacks in the server log: {tracebacks}")
    if tracebacks:
        errors = sorted(
            {line for line in server_log.splitlines() if re.match(r"^\w+(\.\w+)*(Error|Exception)\b", line)}
        )
        print("  exceptions logged: " + "; ".join(errors[:10]))
    if not alive:
        print(f"the server died (exit status {proc.returncode})")
    failed = sum(fivexx.values()) or hangs or sum(tally.ordinary_failures.values()) or not alive
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
