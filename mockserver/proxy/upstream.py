"""The real API behind the proxy: one pooled HTTP client, explicit timeouts, and a failure named in the user's terms.

Requests go out as they came in, credentials included; only the hop-by-hop headers (RFC 9110 section 7.6.1) and
`Host` are the proxy's own. An upstream that cannot be reached is a 502, one that does not answer in time a 504,
each naming the upstream; the pool opens new connections as needed, so the proxy recovers by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from mockserver.core.clock import stopwatch
from mockserver.core.errors import ApiError
from mockserver.proxy.settings import origin

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"content-length"}  # the client's Host names the proxy; lengths are re-counted


@dataclass(frozen=True)
class UpstreamAnswer:
    sent: list[tuple[bytes, bytes]]  # the request's headers as they went upstream
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
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._client = httpx.AsyncClient(
            base_url=self.url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            follow_redirects=False,  # a redirect is an answer the client should see, and check
        )
        for name in ("accept", "accept-encoding", "user-agent"):  # httpx's own defaults: the client's go instead
            del self._client.headers[name]

    async def send(
        self, method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        """The path and query go as the client sent them; raises ApiError(502/504) naming the upstream (and the
        path, never the query, which may hold a credential)."""
        url = httpx.URL(self.url + path, query=query) if query else httpx.URL(self.url + path)
        request = self._client.build_request(method, url, headers=outgoing(headers), content=body)
        target = f"{method} {path[:200]}"
        started = stopwatch()
        try:
            response = await self._client.send(request, stream=True)
            try:
                waited = stopwatch()
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ApiError(
                            502,
                            f"upstream {self.url} answered {target} with more than {self.max_bytes} "
                            "bytes, over this proxy's limit (--max-body-bytes)",
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise ApiError(
                504,
                f"upstream {self.url} did not answer {target} within "
                f"{self.timeout:g} s ({_what(exc)}); --upstream-timeout sets the limit",
            ) from None
        except httpx.ConnectError as exc:
            raise ApiError(502, f"upstream {self.url} is unreachable ({_reason(exc)})") from None
        except httpx.RemoteProtocolError as exc:
            raise ApiError(
                502, f"upstream {self.url} closed the connection without a complete answer ({_reason(exc)})"
            ) from None
        except httpx.HTTPError as exc:
            raise ApiError(502, f"upstream {self.url} failed: {type(exc).__name__} ({_reason(exc)})") from None
        done = stopwatch()
        kept = [(key.lower(), value) for key, value in response.headers.raw]
        return UpstreamAnswer(
            [(key.lower(), value) for key, value in request.headers.raw],
            response.status_code,
            response.reason_phrase,
            [(key, value) for key, value in kept if key not in HOP_BY_HOP],
            b"".join(chunks),
            waited - started,
            done - waited,
        )

    async def close(self) -> None:
        await self._client.aclose()


def _what(exc: httpx.TimeoutException) -> str:
    return {
        httpx.ConnectTimeout: "connecting",
        httpx.ReadTimeout: "waiting for the answer",
        httpx.WriteTimeout: "sending the request",
        httpx.PoolTimeout: "waiting for a free connection",
    }.get(type(exc), "timed out")


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
