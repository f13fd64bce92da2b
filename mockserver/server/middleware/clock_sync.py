"""Keeps this process's clock in step with the clock in the store, so a move on any replica moves it for all, and
opens each request's round (store/round.py), so a request on a shared store costs one round trip.

A request runs on the shared clock as this process last saw it; its first store call checks that clock is still the
store's (the round's guard) and, if it moved, the request runs again on the moved one (`ClockMoved`), its body
replayed. Admin requests read the clock first instead (one GET). A move made here, by the admin API or by a test
calling `mock.clock.advance()`, is published: when the request that made it ends, or, for a move made between
requests, when the next request starts. An admin endpoint may also publish it itself with
`await mock.store.save_clock(mock.clock.state)`; both orders agree.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.clock import ClockState
from mockserver.mock import Mock
from mockserver.server.body import Replay
from mockserver.server.responses import send_error
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.server.sessions import scope_session, usable_session
from mockserver.store.base import StoreUnavailable
from mockserver.store.round import CURRENT, ClockMoved, Round, StoreLost

RUNS = 3  # a request whose clock moved under it this often is answered 503, to be sent again


class ClockSync:
    """Also answers 503 for a store outage met by any middleware inside it, as errors.py does for endpoints."""

    def __init__(self, app: ASGIApp, mock: Mock):
        self.app = app
        self.mock = mock
        self.synced: ClockState = mock.clock.state  # what this process last read from or wrote to the store
        # The store's clock as last seen: what a request's round expects (build_mock published or adopted it).
        self.shared: ClockState | None = mock.clock.state

    async def pull_or_push(self) -> None:
        clock, store = self.mock.clock, self.mock.store
        if clock.state != self.synced:
            await self.publish()
            return
        self.adopt(await store.load_clock())

    def adopt(self, shared: ClockState | None) -> None:
        clock = self.mock.clock
        if shared is not None and shared != clock.state:
            clock.state = shared
        self.shared = shared
        self.synced = clock.state

    async def publish(self) -> None:
        state = self.mock.clock.state
        await self.mock.store.save_clock(state)
        self.synced = self.shared = state

    def round(self, scope: Scope) -> Round:
        mock = self.mock
        journal = scope_session(mock, scope) if mock.admin is not None else None  # as create_app keeps a journal
        return Round(usable_session(mock, scope), journal, scope["method"], scope["path"], self.shared)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rounds = not scope["path"].startswith(ADMIN_PREFIX)
        try:
            if not rounds:
                await self.pull_or_push()
            elif self.mock.clock.state != self.synced:
                await self.publish()
        except StoreUnavailable as exc:
            await send_error(send, 503, str(exc), {"Retry-After": "1"})
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            if rounds:
                await self.in_rounds(scope, receive, send_noting_start)
            else:
                await self.app(scope, receive, send_noting_start)
        except (StoreUnavailable, StoreLost) as exc:
            # From a middleware inside this one (outside Starlette's exception handlers): still a 503, not a 500.
            if started:
                raise
            await send_error(send, 503, str(exc), {"Retry-After": "1"})
        if self.mock.clock.state != self.synced:
            with contextlib.suppress(StoreUnavailable):  # answered already; the next request publishes the move
                await self.publish()

    async def in_rounds(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        replay = Replay(receive)
        opened = self.round(scope)
        before = dict(state)
        for run in range(RUNS):
            token = CURRENT.set(opened)
            try:
                await self.app(scope, replay.receive, send)
                return
            except ClockMoved as moved:
                self.adopt(moved.state)
                if run == RUNS - 1:  # nothing answered yet: the caller answers 503
                    raise StoreLost(
                        f"the shared clock moved {RUNS} times while this request ran; send it again"
                    ) from None
                replay.rewind()
                state.clear()
                state.update(before)
                opened = self.round(scope)
            finally:
                CURRENT.reset(token)
