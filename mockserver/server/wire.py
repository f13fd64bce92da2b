"""The request's head on the wire: refused with a 431 once it grows past `--max-header-bytes`.

uvicorn's httptools protocol keeps every byte of a request line and its headers (8 MB and 32 MB
headers were accepted), and httptools holds a header that has not ended yet in its own buffer, so
the limit has to act while the head arrives, before the app sees anything. `HeadLimitedProtocol`
counts the head two ways, each a lower bound of its true size, and refuses when either passes the
limit: the parts httptools has finished (URL, each header), and every whole read that arrived while
one head was unfinished. A head is therefore never held beyond the limit plus one read.

The limit travels in uvicorn's `h11_max_incomplete_event_size` setting (its name for the same limit
in its h11 protocol), so it reaches worker processes with the rest of uvicorn's `Config`.

`HttpToolsProtocol` is private to uvicorn and no public setting answers a 431, so pyproject.toml keeps uvicorn below
its next minor and tests/server/test_wire.py fails, naming what moved, when the class changes shape (ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from mockserver.config import DEFAULT_MAX_HEADER, Settings
from mockserver.core.json_codec import dumps
from mockserver.server.responses import error_body

PROTOCOL = "mockserver.server.wire:HeadLimitedProtocol"  # uvicorn's `http` setting
DRAIN_BYTES = 64 * 1024 * 1024  # read and dropped after a 431, so the client gets to read it, then the socket closes


def protocol_options(settings: Settings) -> dict[str, Any]:
    """What every uvicorn serving the mock is given, so that each limits a request's head. No document the mock
    serves describes a WebSocket, so none is spoken (and uvicorn's WebSocket protocols are not imported)."""
    return {"http": PROTOCOL, "ws": "none", "h11_max_incomplete_event_size": settings.max_header_bytes}


class _HeadTooLarge(Exception):
    pass


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a limit on the size of each request's head."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_head = self.config.h11_max_incomplete_event_size or DEFAULT_MAX_HEADER
        self._in_head = False  # between a request's first byte and the end of its headers
        self._head = 0  # bytes of the current head that httptools has finished (URL, headers)
        self._unfinished = 0  # bytes of whole reads that arrived while the current head was unfinished
        self._heads_begun = 0
        self._drained: int | None = None  # bytes dropped since the 431; None until then

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head, self._unfinished = True, 0, 0
        self._heads_begun += 1

    # Counted inline (a callback per header of every request): an exception out of httptools' callback comes back
    # from feed_data wrapped in HttpParserCallbackError.
    def on_url(self, url: bytes) -> None:
        self._head += len(url)
        if self._head > self.max_head:
            raise _HeadTooLarge
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head += len(name) + len(value) + 4  # "name: value\r\n"
        if self._head > self.max_head:
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._drained is not None:
            self._drained += len(data)
            if self._drained > DRAIN_BYTES:
                self.transport.close()
            return
        self._unset_keepalive_if_required()
        within = self._heads_begun if self._in_head else None  # the head this read may continue
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):  # raised in a callback, wrapped by httptools
                self._refuse()
                return
            msg = "Invalid HTTP request received."  # uvicorn's own answer to a request it cannot parse
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if within is not None and self._in_head and within == self._heads_begun:
            self._unfinished += len(data)  # the whole read went into one head that is still not finished
            if self._unfinished > self.max_head:
                self._refuse()

    def _refuse(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # an answer to an earlier request is still being sent: no room for another
            return
        limit = self.max_head
        error = f"request line and headers: more than {limit} bytes, over this mock's limit (--max-header-bytes)"
        body = dumps(error_body(error))
        head = [STATUS_LINE[431]]
        head.extend(b"%s: %s\r\n" % (name, value) for name, value in self.server_state.default_headers)
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self._drained = 0
        self._in_head = False
        if self.transport.can_write_eof():
            # Half-close: the client reads the whole answer, while what it is still sending is read and dropped
            # (closing with unread data would reset the connection and lose the answer).
            self.transport.write_eof()
            loop = asyncio.get_running_loop()
            self.timeout_keep_alive_task = loop.call_later(self.timeout_keep_alive, self.transport.close)
        else:
            self.transport.close()
