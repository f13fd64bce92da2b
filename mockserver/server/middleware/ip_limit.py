"""`--ip-rate-limit N/minute`: each client address may make N requests a minute to the iframe
endpoints (the page, its messages, and the token lookup), as camelAI's changelog promises
"rate limiting per IP address for iframe endpoints". Off by default."""

from __future__ import annotations

import json
from html import escape

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.core import limits
from mockserver.mock import Mock
from mockserver.server.sessions import DEFAULT_SESSION, LINK_PATHS


def is_limited(path: str) -> bool:
    return path.startswith(LINK_PATHS)


class IpLimitMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock
        self.windows = limits.ip_windows(mock.settings.ip_rate_limit)  # installed only with --ip-rate-limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        mock = self.mock
        # One count per address whatever X-Mock-Session says, or a client could reset it by naming a new session.
        bucket = limits.ip_bucket(address)
        decision = await mock.store.hit(DEFAULT_SESSION, bucket, self.windows, mock.clock.now())
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        message = limits.ip_refusal(decision, address)
        scope.setdefault("state", {})["error"] = message
        page = scope["path"].startswith("/iframe/") and scope["path"].endswith("/") and scope["method"] == "GET"
        if page:
            body = f'<!doctype html><title>camelAI (mock)</title><p class="gone">{escape(message)}</p>'.encode()
            kind = b"text/html; charset=utf-8"
        else:
            body, kind = json.dumps({"error": message}).encode(), b"application/json"
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in limits.headers(decision).items()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
