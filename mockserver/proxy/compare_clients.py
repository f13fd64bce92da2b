"""Temporary: the upstream clients bench/bench_proxy.py --clients compares in one run (MOCKSERVER_PROXY_CLIENT)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import httpcore

from mockserver.core.clock import stopwatch
from mockserver.core.errors import ApiError
from mockserver.proxy.http1 import Pool
from mockserver.proxy.settings import ProxySettings
from mockserver.proxy.upstream import HOP_BY_HOP, MAX_OPEN, Upstream, UpstreamAnswer


class Http1Upstream(Upstream):
    def __init__(self, settings: ProxySettings, max_bytes: int, max_head: int) -> None:
        super().__init__(settings, max_bytes, max_head)
        parts = urlsplit(self.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._pool = Pool(parts.scheme, parts.hostname or "", port, self.timeout, max_bytes)

    async def send(
        self, method: str, path: str, query: bytes, sent: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        target = path.encode("latin-1") + (b"?" + query if query else b"")
        head = b"%s %s HTTP/1.1\r\n%s\r\n\r\n" % (
            method.encode("latin-1"),
            target,
            b"\r\n".join(b"%s: %s" % h for h in sent),
        )
        try:
            answer = await self._pool.request(head + body, head=method == "HEAD")
        except Exception as exc:
            raise ApiError(502, f"upstream {self.url}: {exc}") from None
        kept = [(key, value) for key, value in answer.headers if key not in HOP_BY_HOP]
        return UpstreamAnswer(answer.status, answer.reason, kept, answer.body, answer.wait, answer.receive)

    async def close(self) -> None:
        self._pool.close()


class HttpcoreUpstream(Upstream):
    def __init__(self, settings: ProxySettings, max_bytes: int, max_head: int) -> None:
        super().__init__(settings, max_bytes, max_head)
        parts = urlsplit(self.url)
        self._scheme = parts.scheme.encode()
        self._hostname = (parts.hostname or "").encode()
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._pool = httpcore.AsyncConnectionPool(ssl_context=self._ssl, max_connections=MAX_OPEN, retries=0)

    async def send(
        self, method: str, path: str, query: bytes, sent: list[tuple[bytes, bytes]], body: bytes
    ) -> UpstreamAnswer:
        target = path.encode("latin-1") + (b"?" + query if query else b"")
        url = httpcore.URL(scheme=self._scheme, host=self._hostname, port=self._port, target=target)
        began = stopwatch()
        try:
            async with self._pool.stream(method.encode(), url, headers=sent, content=body or None) as answer:
                arrived = stopwatch()
                chunks = [chunk async for chunk in answer.aiter_stream()]
                raw = b"".join(chunks)
        except Exception as exc:
            raise ApiError(502, f"upstream {self.url}: {exc}") from None
        kept = [(key.lower(), value) for key, value in answer.headers if key.lower() not in HOP_BY_HOP]
        reason = answer.extensions.get("reason_phrase", b"").decode("latin-1")
        return UpstreamAnswer(answer.status, reason, kept, raw, arrived - began, stopwatch() - arrived)

    async def close(self) -> None:
        await self._pool.aclose()


def chosen() -> type[Upstream]:
    name = os.environ.get("MOCKSERVER_PROXY_CLIENT", "aiohttp")
    return {"aiohttp": Upstream, "http1": Http1Upstream, "httpcore": HttpcoreUpstream}[name]
