"""`--ip-rate-limit N/minute`: each client address may make N requests a minute to the iframe
endpoints (the page, its messages, and the token lookup), as camelAI's changelog promises
"rate limiting per IP address for iframe endpoints". Off by default."""

from __future__ import annotations

from html import escape

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.core import limits
from mockserver.mock import Mock
from mockserver.server.responses import send_body, send_error


class IpLimitMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock
        self.windows = limits.ip_windows(mock.settings.ip_rate_limit)  # installed only with --ip-rate-limit
        self.limited = mock.link_prefixes  # the iframe link's own paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.limited):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        mock = self.mock
        # One count per address whatever X-Mock-Session says, kept in no session (None: the store's global
        # namespace), so neither a new session name, session eviction nor a session's reset can clear it.
        bucket = limits.ip_bucket(address)
        decision = await mock.store.hit(None, bucket, self.windows, mock.clock.now())
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        message = limits.ip_refusal(decision, address)
        scope.setdefault("state", {})["error"] = message
        page = scope["path"].startswith("/iframe/") and scope["path"].endswith("/") and scope["method"] == "GET"
        headers = limits.headers(decision)
        if page:
            body = f'<!doctype html><title>camelAI (mock)</title><p class="gone">{escape(message)}</p>'.encode()
            await send_body(send, body, 429, b"text/html; charset=utf-8", headers)
        else:
            await send_error(send, 429, message, headers)
