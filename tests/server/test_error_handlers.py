"""How failures are answered and recorded; a client that goes away mid-request is not one of the mock's."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

from tests.conftest import VALID
from tests.processes import MockProcess

CREATE = "/api/v1/iframe/create"


def send_half_and_close(url: str, path: str, head: str, declared: int, sent: bytes) -> None:
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {declared}\r\n\r\n".encode())
        sock.sendall(sent)


def test_a_client_that_disconnects_mid_body_is_journaled_as_such_without_a_traceback() -> None:
    served = MockProcess("--api-key", "K")
    try:
        auth = {"Authorization": "Bearer K"}
        key = httpx.post(f"{served.url}/api/v1/iframe/create", json=VALID, headers=auth).json()["cache_key"]
        json_head = "Content-Type: application/json\r\n"
        send_half_and_close(served.url, CREATE, f"Authorization: Bearer K\r\n{json_head}", 1000, b'{"uid": "a')
        send_half_and_close(served.url, f"/iframe/{key}/messages", json_head, 500, b'{"message": "h')
        entries: list[dict[str, object]] = []
        for _ in range(500):  # each close is seen as soon as the server reads the end of the stream
            entries = httpx.get(f"{served.url}/__mock/requests").json()["requests"]
            if len(entries) == 3:
                break
        served.proc.terminate()
        output = served.proc.communicate(timeout=10)[0].decode()
    finally:
        served.stop()
    assert sorted((e["path"], e["status"], e["outcome"]) for e in entries[1:]) == [
        (CREATE, 499, "disconnected"),
        (f"/iframe/{key}/messages", 499, "disconnected"),
    ]
    assert entries[1]["error"] == "the client closed the connection before sending its whole request"
    assert "Traceback" not in output and "ClientDisconnect" not in output and "ERROR" not in output
