"""The request's head on a real socket: over `--max-header-bytes` it is a 431, before the app sees it."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from mockserver.config import Settings
from mockserver.mock import build_mock
from mockserver.server.wire import HeadLimitedProtocol
from mockserver.testing.live_server import ThreadedServer, serve_in_thread
from tests.conftest import T0
from tests.processes import MockProcess


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with serve_in_thread(build_mock(Settings(clock=f"frozen:{T0}"))) as live:
        yield live


def exchange(url: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `head` (a whole request without a body) and read the answer up to the server's close."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(head)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    top, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    return int(status_line.split()[1]), headers, body


def request(*headers: bytes, target: bytes = b"/.well-known/jwks.json") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + b"".join(headers) + b"\r\n"


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(request(b"X-Big: " + b"x" * 20_000 + b"\r\n"), id="one 20 KB header"),
        pytest.param(request(b"X-Big: " + b"x" * 1_000_000 + b"\r\n"), id="one 1 MB header"),
        pytest.param(request(*(b"X-%d: %s\r\n" % (i, b"y" * 100) for i in range(200))), id="200 headers of 100 B"),
        pytest.param(request(target=b"/openapi.json?q=" + b"z" * 20_000), id="a 20 KB query"),
    ],
)
def test_a_head_over_16_kib_is_refused_with_431_and_never_reaches_the_journal(
    server: ThreadedServer, head: bytes
) -> None:
    status, headers, body = exchange(server.url, head)
    assert status == 431 and headers["content-type"] == "application/json" and headers["connection"] == "close"
    assert json.loads(body) == {
        "error": "request line and headers: more than 16384 bytes, over this mock's limit (--max-header-bytes)"
    }
    assert server.call(server.mock.store.journal("default")) == []
    assert exchange(server.url, request())[0] == 200  # the server is fine


def test_a_head_under_the_limit_is_answered(server: ThreadedServer) -> None:
    status, _, _ = exchange(server.url, request(b"X-Big: " + b"x" * 15_000 + b"\r\n"))
    assert status == 200
    (entry,) = server.call(server.mock.store.journal("default"))
    assert entry["status"] == 200


def test_the_limit_is_a_setting() -> None:
    with serve_in_thread(build_mock(Settings(max_header_bytes=2048))) as live:
        assert exchange(live.url, request(b"X-Big: " + b"x" * 1800 + b"\r\n"))[0] == 200
        status, _, body = exchange(live.url, request(b"X-Big: " + b"x" * 2100 + b"\r\n"))
    assert status == 431 and "more than 2048 bytes" in json.loads(body)["error"]


def test_mockserver_serve_limits_the_head_too() -> None:
    served = MockProcess("--max-header-bytes", "2048")
    try:
        status, _, body = exchange(served.url, request(b"X-Big: " + b"x" * 3000 + b"\r\n"))
    finally:
        served.stop()
    assert status == 431 and "more than 2048 bytes" in json.loads(body)["error"]


def test_on_a_kept_alive_connection_the_next_oversized_head_is_refused(server: ThreadedServer) -> None:
    first = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    second = b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 30_000 + b"\r\n\r\n"
    where = urlsplit(server.url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(first)
        received = b""
        while received.count(b"HTTP/1.1 ") < 1 or not received.endswith(b"}]}"):
            received += sock.recv(65536)
        sock.sendall(second)
        while chunk := sock.recv(65536):
            received += chunk
    assert re.findall(rb"HTTP/1\.1 (\d{3})", received) == [b"200", b"431"]


# What server/wire.py takes from uvicorn's private httptools protocol: the methods it overrides or calls, with their
# parameters, and the source of the `data_received` it copies (uvicorn 0.55). pyproject.toml keeps uvicorn below the
# next minor; this test is what a bump of that bound must get past.
BORROWED = {
    "__init__": ["self", "config", "server_state", "app_state", "_loop"],
    "on_message_begin": ["self"],
    "on_url": ["self", "url"],
    "on_header": ["self", "name", "value"],
    "on_headers_complete": ["self"],
    "data_received": ["self", "data"],
    "send_400_response": ["self", "msg"],
    "_unset_keepalive_if_required": ["self"],
    "_should_upgrade": ["self"],
    "handle_websocket_upgrade": ["self"],
    "_unsupported_upgrade_warning": ["self"],
}
DATA_RECEIVED_SHA256 = "010a7ae59a5d3b1a5e7326ce246878568629d126a076d8af5ba10cab040fae43"


def test_uvicorns_protocol_still_has_the_shape_wire_py_was_written_for() -> None:
    from uvicorn.protocols.http import httptools_impl

    base = httptools_impl.HttpToolsProtocol
    changed = [
        f"{name}{BORROWED[name]} is now {list(inspect.signature(getattr(base, name)).parameters) if hasattr(base, name) else 'gone'}"
        for name in BORROWED
        if not hasattr(base, name) or list(inspect.signature(getattr(base, name)).parameters) != BORROWED[name]
    ]
    source = hashlib.sha256(inspect.getsource(base.data_received).encode()).hexdigest()
    if source != DATA_RECEIVED_SHA256:
        changed.append("data_received's source changed: compare it with HeadLimitedProtocol.data_received's copy")
    if httptools_impl.STATUS_LINE.get(431) != b"HTTP/1.1 431 Request Header Fields Too Large\r\n":
        changed.append("STATUS_LINE[431] changed")
    assert not changed, "uvicorn's HttpToolsProtocol, which server/wire.py subclasses, changed shape: " + "; ".join(
        changed
    )
    # The attributes it reads once a connection is made.
    protocol = HeadLimitedProtocol(Config(app=None), ServerState(), {}, asyncio.new_event_loop())
    try:
        for attribute in ("parser", "cycle", "logger", "server_state", "timeout_keep_alive", "timeout_keep_alive_task"):
            assert hasattr(protocol, attribute), f"uvicorn's protocol has no {attribute} any more"
        assert hasattr(protocol.server_state, "default_headers")
    finally:
        protocol.loop.close()
