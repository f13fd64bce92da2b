"""Per-request cost of a valid create inside the process (no sockets): the mock vs the bare endpoint.

    python bench/profile_create.py [--requests 3000] [--profile]

Complements bench_create.py: it isolates the application's own work from uvicorn's and the network's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bare_app import app as bare_app

from mockserver.config import Settings
from mockserver.mock import build_mock
from mockserver.server.app import create_app

BODY = b'{"uid": "bench-user", "srcs": ["123", "456"], "ttl": 900, "model": "gpt-5", "limits": {"hourly": 100}}'
HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"content-type", b"application/json"),
    (b"authorization", b"Bearer sk-bench"),
    (b"content-length", str(len(BODY)).encode()),
]


async def call(app: Any) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api/v1/iframe/create", "raw_path": b"/api/v1/iframe/create", "query_string": b"",
        "root_path": "", "headers": HEADERS, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    if status != [200]:
        raise RuntimeError(f"the create was answered {status}")


async def per_request_us(app: Any, n: int) -> float:
    for _ in range(200):
        await call(app)
    started = time.perf_counter()
    for _ in range(n):
        await call(app)
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds; the fastest of each is kept")
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions of the mock")
    parser.add_argument("--sort", default="tottime", help="how --profile sorts: tottime or cumulative")
    args = parser.parse_args()
    mock_app = create_app(build_mock(Settings()))
    nonces = mock_app.state.mock.signer.nonces
    if nonces is not None:  # as when served: the helper makes ES256 nonces ahead
        nonces.start()
        nonces.wait_ready(timeout=30)
    # This machine's speed drifts from second to second: alternate, and keep each side's best round.
    bare = mock = float("inf")
    for _ in range(args.rounds):
        bare = min(bare, asyncio.run(per_request_us(bare_app, args.requests)))
        mock = min(mock, asyncio.run(per_request_us(mock_app, args.requests)))
    print(f"bare {bare:.0f} us/request, mock {mock:.0f} us/request, ratio {bare / mock:.0%}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(asyncio.run, per_request_us(mock_app, args.requests))
        pstats.Stats(profile).sort_stats(args.sort).print_stats(25)
    if nonces is not None:
        print(f"ES256 signatures finished from the helper's nonces: {nonces.used}")
        nonces.close()


if __name__ == "__main__":
    main()
