"""Real sockets on loopback for the proxy's client tests: an upstream that follows a script, and a forward proxy
(CONNECT for https, absolute-form for http) as a corporate network puts in the way. Both run in the test's own
event loop, so a test awaits its requests while they serve."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


@dataclass
class Scripted:
    """An upstream that answers each request with the next of `answers`: bytes (after which it closes the
    connection if they say `Connection: close`), or None (it closes the connection without answering). With
    `each_connection`, every new connection starts the script again. Every request it read is in `arrivals`."""

    answers: list[bytes | None]
    each_connection: bool = False
    connections: int = 0
    arrivals: list[tuple[bytes, bytes]] = field(default_factory=list)  # (request line, body)
    heads: list[bytes] = field(default_factory=list)  # each request's whole head

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        script = list(self.answers) if self.each_connection else self.answers
        try:
            while script:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.heads.append(head)
                self.arrivals.append((head.split(b"\r\n", 1)[0], await reader.readexactly(length)))
                answer = script.pop(0)
                if answer is None:
                    return  # close without answering
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def serving(script: Scripted, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """The script served on a free loopback port; yields its origin."""
    server = await asyncio.start_server(script.handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class ForwardProxy:
    """An HTTP proxy: `CONNECT host:port` opens a tunnel; a request in absolute form is passed to its origin.
    Every request line it was sent is in `seen`."""

    seen: list[str] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            self.seen.append(line)
            method, target, _ = line.split(" ", 2)
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                up_writer.write(head)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@asynccontextmanager
async def proxying(proxy: ForwardProxy) -> AsyncIterator[str]:
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()
