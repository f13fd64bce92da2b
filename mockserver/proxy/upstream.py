"""The real API behind the proxy: one pool of keep-alive connections, explicit timeouts, and each failure named in
the user's terms.

Requests go out as they came in, credentials included; only the hop-by-hop headers (RFC 9110 section 7.6.1),
`Host` and the body's length are the proxy's own. An upstream that cannot be reached is a 502, one that does not
answer in time a 504, each naming the upstream; new connections are opened as needed, so the proxy recovers by
itself once the upstream is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mockserver.core.errors import ApiError
from mockserver.proxy.http1 import Busy, Closed, ConnectTimeout, Pool, TooLarge
from mockserver.proxy.settings import origin

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"content-length"}  # the client's Host names the proxy; lengths are re-counted
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # those that say `Content-Length: 0` even with no body


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


class Upstream:
    def __init__(self, url: str, timeout: float, max_bytes: int) -> None:
        self.url = origin(url)
        parts = urlsplit(self.url)
        assert parts.hostname is not None
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._host = parts.netloc.encode("latin-1")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._pool = Pool(parts.scheme, parts.hostname, port, timeout, max_bytes)

    def headers_for(self, method: str, headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
        """The client's headers as they go upstream: its own Host and Content-Length, no hop-by-hop ones."""
        sent = [(b"host", self._host), *outgoing(headers)]
        if body or method in BODY_METHODS:
            sent.append((b"content-length", b"%d" % len(body)))
        return sent

    async def send(
        self, method: str, path: str, query: bytes, sent: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        """`path` is the raw path and `query` the raw query, both as the client sent them, and `sent` the headers
        from `headers_for`; raises ApiError(502/504) naming the upstream (and the path, never the query, which may
        hold a credential)."""
        target = path.encode("latin-1") + (b"?" + query if query else b"")
        head = b"%s %s HTTP/1.1\r\n%s\r\n\r\n" % (
            method.encode("latin-1"),
            target,
            b"\r\n".join(b"%s: %s" % h for h in sent),
        )
        shown = f"{method} {path[:200]}"
        try:
            answer = await self._pool.request(head + body, head=method == "HEAD")
        except Busy:
            raise self._late(shown, "every connection to it busy") from None
        except ConnectTimeout:
            raise self._late(shown, "connecting") from None
        except TimeoutError:
            raise self._late(shown, "waiting for the answer") from None
        except TooLarge:
            raise ApiError(
                502,
                f"upstream {self.url} answered {shown} with more than {self.max_bytes} bytes, over this proxy's "
                "limit (--max-body-bytes)",
            ) from None
        except Closed as exc:
            raise ApiError(
                502, f"upstream {self.url} closed the connection without a complete answer ({_reason(exc)})"
            ) from None
        except OSError as exc:  # refused, no such host, TLS refused: nothing was sent
            raise ApiError(502, f"upstream {self.url} is unreachable ({_reason(exc)})") from None
        kept = [(key, value) for key, value in answer.headers if key not in HOP_BY_HOP]
        return UpstreamAnswer(answer.status, answer.reason, kept, answer.body, answer.wait, answer.receive)

    def _late(self, shown: str, doing: str) -> ApiError:
        return ApiError(
            504,
            f"upstream {self.url} did not answer {shown} within {self.timeout:g} s ({doing}); "
            "--upstream-timeout sets the limit",
        )

    async def close(self) -> None:
        self._pool.close()


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
