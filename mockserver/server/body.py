"""Reading a request body safely: media type, size cap, then the value it stands for (JSON, a form, text...).

The functions take the raw parts of a request (headers and the ASGI `receive`), so the hot create
endpoint uses them without building a Starlette `Request`, and the other endpoints pass theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json_object
from mockserver.spec.answers import NO_BODY
from mockserver.spec.contract import Operation
from mockserver.spec.media import RequestMedia, choose, chosen
from mockserver.spec.media import unsupported_media as unsupported_media  # the one 415, re-exported for endpoints
from mockserver.spec.media_types import base_media
from mockserver.spec.media_types import is_json as is_json  # the endpoints' one reading of media types


def media_kind(content_type: str | None) -> str:
    """The Content-Type without parameters, lower case; empty when missing."""
    return base_media(content_type or "")


async def read_json_object(headers: Mapping[str, str], receive: Receive, max_bytes: int) -> dict[str, Any]:
    """A JSON object body; `headers` by lower-case name (Starlette's `request.headers`, or `header_map`)."""
    content_type = headers.get("content-type")
    if not is_json(media_kind(content_type)):
        raise unsupported_media(content_type, "application/json")
    return parse_json_object(await read_capped(receive, headers.get("content-length"), max_bytes))


async def read_documented_body(
    operation: Operation, headers: Mapping[str, str], receive: Receive, max_bytes: int
) -> tuple[Any, RequestMedia | None]:
    """The body as the value its documented media type reads into, and that media type (None: JSON, as an
    operation that documents no body reads one); (NO_BODY, None) when no body was sent. A Content-Type the operation
    does not document is a 415 naming the ones it does; a body without one is read as `application/octet-stream`
    (RFC 9110 §8.3). No bytes with a Content-Type of text, a form or octets is the empty value of that type."""
    content_type = headers.get("content-type")
    sent = has_body(headers)
    if not operation.bodies:
        return (await read_json_object(headers, receive, max_bytes) if sent else NO_BODY), None
    if not sent:
        media = choose(operation.bodies, content_type) if content_type else None
        kind = media_kind(content_type)
        if media is None or is_json(kind) or kind.startswith("multipart/"):  # nothing there: no body
            return NO_BODY, None
        return media.decode(content_type, b""), media
    media = chosen(operation.bodies, content_type)
    return media.decode(content_type, await read_capped(receive, headers.get("content-length"), max_bytes)), media


def has_body(headers: Mapping[str, str]) -> bool:
    """Whether the request carries body bytes (a Content-Length above 0, or a chunked body)."""
    length = headers.get("content-length")
    return (length is not None and length.strip() not in ("", "0")) or "transfer-encoding" in headers


async def read_capped(receive: Receive, declared: str | None, max_bytes: int) -> bytes:
    """The raw body, refused with a 413 as soon as it passes `max_bytes` (or declares more with Content-Length)."""
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"body: {declared} bytes is over this mock's limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:  # stop reading: the rest is never buffered
            raise ApiError(413, f"body: more than {max_bytes} bytes, over this mock's limit")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class Replay:
    """A request's body messages as they arrive, kept so the request can run again from its start (a shared store's
    round restarts it on a moved clock; a delay fault runs it after the delay)."""

    __slots__ = ("_at", "_messages", "_receive")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._messages: list[Message] = []
        self._at = 0

    async def receive(self) -> Message:
        if self._at < len(self._messages):
            self._at += 1
            return self._messages[self._at - 1]
        message = await self._receive()
        if message["type"] == "http.request":
            self._messages.append(message)
            self._at += 1
        return message

    def rewind(self) -> None:
        self._at = 0
