"""The real API behind the proxy: aiohttp's client with one pool of keep-alive connections, explicit timeouts, and
each failure named in the user's terms.

Requests go out as they came in, credentials included; only the hop-by-hop headers (RFC 9110 section 7.6.1),
`Host` and the body's length are the proxy's own. An upstream that cannot be reached is a 502, one that does not
answer in time a 504, each naming the upstream; new connections are opened as needed, so the proxy recovers by
itself once the upstream is back.

A request is sent once. aiohttp sends it again only for an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT,
DELETE) when a kept connection turns out closed (RFC 9112 section 9.3.1.1), so a create the upstream read and then
dropped is a 502, never a second create. TLS trusts the system's store (`truststore`), or only `--upstream-ca`;
HTTPS_PROXY, HTTP_PROXY and NO_PROXY choose a proxy once, at start-up (`settings.env_proxy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from yarl import URL

from mockserver.core.clock import stopwatch
from mockserver.core.errors import ApiError
from mockserver.proxy.settings import ProxySettings, origin, shown_proxy

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"content-length"}  # the client's Host names the proxy; lengths are re-counted
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # those that say `Content-Length: 0` even with no body
# aiohttp adds these unless told not to; the upstream gets the client's own, or none.
NOT_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
READ_BYTES = 64 * 1024
MAX_OPEN = 256  # connections to the upstream at once; a request past them waits for one, within the timeout


@dataclass(frozen=True)
class UpstreamAnswer:
    status: int
    reason: str
    headers: list[tuple[bytes, bytes]]  # as received (names in lower case), less the hop-by-hop ones
    raw: bytes  # the body as it came over the wire (still content-encoded, if it was)
    wait: float  # seconds from sending until the answer's headers came
    receive: float  # seconds reading its body

    def header(self, name: bytes) -> str | None:
        return header_value(self.headers, name)


def header_value(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of a header, by its lower-case name."""
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def outgoing(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The request's headers as they go upstream: all of them but the hop-by-hop ones (and any `Connection` names)."""
    named = {name.strip().lower() for key, value in headers if key == b"connection" for name in value.split(b",")}
    return [(key, value) for key, value in headers if key not in NOT_FORWARDED and key not in named]


class TooLarge(Exception):
    pass


class Upstream:
    def __init__(self, settings: ProxySettings, max_bytes: int, max_head: int) -> None:
        self.url = origin(settings.upstream)
        self.timeout = settings.timeout
        self.max_bytes = max_bytes
        self.max_head = max_head
        self.proxy = settings.proxy()
        self._ssl = settings.tls() if self.url.startswith("https:") else None
        self._host = self.url.split("://", 1)[1].encode("latin-1")
        self._session: aiohttp.ClientSession | None = None

    def headers_for(self, method: str, headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
        """The client's headers as they go upstream: its own Host and Content-Length, no hop-by-hop ones."""
        sent = [(b"host", self._host), *outgoing(headers)]
        if body or method in BODY_METHODS:
            sent.append((b"content-length", b"%d" % len(body)))
        return sent

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=MAX_OPEN, limit_per_host=0, ssl=self._ssl or True)
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # a proxy keeps no cookies: each client sends its own
            skip_auto_headers=NOT_ADDED,
            auto_decompress=False,  # the body goes on as it came; checks.py decodes a copy
            timeout=aiohttp.ClientTimeout(total=self.timeout, connect=self.timeout),
            max_line_size=self.max_head,
            max_field_size=self.max_head,
            trust_env=False,  # the environment's proxy was read once, at start-up
        )

    async def send(
        self, method: str, path: str, query: bytes, sent: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        """`path` is the raw path and `query` the raw query, both as the client sent them, and `sent` the headers
        from `headers_for`; raises ApiError(502/504) naming the upstream (and the path, never the query, which may
        hold a credential)."""
        if self._session is None:
            self._session = self._open()  # in the server's event loop, on the first request
        target = self.url + path + ("?" + query.decode("latin-1") if query else "")
        headers = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in sent]
        shown = f"{method} {path[:200]}"
        began = stopwatch()
        try:
            async with self._session.request(
                method,
                URL(target, encoded=True),  # the path and query exactly as the client wrote them
                headers=headers,
                data=body or None,
                allow_redirects=False,
                proxy=self.proxy,
            ) as answer:
                arrived = stopwatch()
                raw = await self._read(answer)
                kept = [(key.lower(), value) for key, value in answer.raw_headers if key.lower() not in HOP_BY_HOP]
                return UpstreamAnswer(
                    answer.status, answer.reason or "", kept, raw, arrived - began, stopwatch() - arrived
                )
        except TooLarge:
            raise ApiError(
                502,
                f"upstream {self.url} answered {shown} with more than {self.max_bytes} bytes, over this proxy's "
                "limit (--max-body-bytes)",
            ) from None
        except aiohttp.ConnectionTimeoutError:
            raise self._late(shown, "connecting") from None
        except TimeoutError:
            raise self._late(shown, "waiting for the answer") from None
        except aiohttp.ClientConnectorCertificateError as exc:
            raise ApiError(
                502,
                f"upstream {self.url}: its TLS certificate was refused ({_reason(exc.certificate_error)}); "
                "--upstream-ca FILE names the CA to trust",
            ) from None
        except aiohttp.ClientProxyConnectionError as exc:
            raise ApiError(502, f"proxy {shown_proxy(self.proxy)} is unreachable ({_reason(exc.os_error)})") from None
        except aiohttp.ClientHttpProxyError as exc:
            raise ApiError(
                502,
                f"proxy {shown_proxy(self.proxy)} refused the way to upstream {self.url} ({exc.status} {exc.message})",
            ) from None
        except aiohttp.ClientConnectorError as exc:  # refused, no such host, TLS refused: nothing was sent
            raise ApiError(502, f"upstream {self.url} is unreachable ({_reason(exc.os_error)})") from None
        except aiohttp.ClientResponseError as exc:  # the answer is not HTTP/1.1, or its head is past the limit
            raise ApiError(
                502, f"upstream {self.url} answered {shown} with what is not a usable HTTP/1.1 answer ({exc.message})"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:  # disconnected, cut short, reset
            raise ApiError(
                502, f"upstream {self.url} closed the connection without a complete answer ({_reason(exc)})"
            ) from None

    async def _read(self, answer: aiohttp.ClientResponse) -> bytes:
        """The whole body, refused past the limit before it is held: by its Content-Length, or as it arrives."""
        if answer.content_length is not None and answer.content_length > self.max_bytes:
            raise TooLarge
        chunks, size = [], 0
        while chunk := await answer.content.read(READ_BYTES):
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def _late(self, shown: str, doing: str) -> ApiError:
        return ApiError(
            504,
            f"upstream {self.url} did not answer {shown} within {self.timeout:g} s ({doing}); "
            "--upstream-timeout sets the limit",
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _reason(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:200]
