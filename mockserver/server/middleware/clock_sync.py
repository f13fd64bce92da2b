"""Keeps this process's clock in step with the clock in the store, so a move on any replica moves it for all.

Before each request the clock is read from the store (one GET with Redis; nothing with memory). A move made here,
by the admin API or by a test calling `mock.clock.advance()`, is published: when the request that made it ends, or,
for a move made between requests, when the next request starts. An admin endpoint may also publish it itself with
`await mock.store.save_clock(mock.clock.state)`; both orders agree.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.clock import ClockState
from mockserver.mock import Mock
from mockserver.server.responses import send_error
from mockserver.store.base import StoreUnavailable


class ClockSync:
    """Also answers 503 for a store outage met by any middleware inside it, as errors.py does for endpoints."""

    def __init__(self, app: ASGIApp, mock: Mock):
        self.app = app
        self.mock = mock
        self.synced: ClockState = mock.clock.state  # what this process last read from or wrote to the store

    async def pull_or_push(self) -> None:
        clock, store = self.mock.clock, self.mock.store
        if clock.state != self.synced:
            await self.publish()
            return
        shared = await store.load_clock()
        if shared is not None and shared != clock.state:
            clock.state = shared
        self.synced = clock.state

    async def publish(self) -> None:
        state = self.mock.clock.state
        await self.mock.store.save_clock(state)
        self.synced = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.pull_or_push()
        except StoreUnavailable as exc:
            await send_error(send, 503, str(exc), {"Retry-After": "1"})
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except StoreUnavailable as exc:
            # From a middleware inside this one (outside Starlette's exception handlers): still a 503, not a 500.
            if started:
                raise
            await send_error(send, 503, str(exc), {"Retry-After": "1"})
        if self.mock.clock.state != self.synced:
            with contextlib.suppress(StoreUnavailable):  # answered already; the next request publishes the move
                await self.publish()
