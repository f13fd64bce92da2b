"""Fault injection: the next N matching requests get a chosen status, a delay, or a dropped connection.

Queued through `POST /__mock/faults` and taken atomically from the store (`take_fault`), so
several workers sharing one store never serve the same fault twice. This is how a client's
retry and timeout handling gets tested. On a shared store the fault is taken by the request's
round, with its first store call (store/round.py), not by a round trip of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.json_codec import dumps
from mockserver.mock import Mock
from mockserver.server.body import Replay
from mockserver.server.error_handlers import DroppedByFault
from mockserver.server.responses import error_body, send_json
from mockserver.server.routes import ADMIN_PREFIX
from mockserver.server.sessions import usable_session
from mockserver.store.base import StoreUnavailable
from mockserver.store.round import FaultTaken, Round, StoreLost, current_round

# Both stated in admin.openapi.yaml (POST /__mock/faults and the Fault schema's `body`), where a test checks them.
MAX_QUEUED_FAULTS = 100  # per session; one more is a 409 until the queue empties
MAX_FAULT_BODY_BYTES = 64 * 1024  # a fault's `body` as JSON; a larger one is a 400


def fault_problem(fault: dict[str, Any]) -> str | None:
    """What the admin document's schema cannot say about a fault: how large its `body` may be."""
    if "body" not in fault:
        return None
    size = len(dumps(fault["body"]))
    if size <= MAX_FAULT_BODY_BYTES:
        return None
    limit = MAX_FAULT_BODY_BYTES
    return f"body: {size} bytes as JSON, more than the {limit} ({limit // 1024} KiB) a fault's body may hold"


def queue_full(session: str) -> str:
    return (
        f"faults: session {session!r} already queues {MAX_QUEUED_FAULTS} faults, the most a session may queue; "
        "DELETE /__mock/faults empties the queue, and each fault leaves it once used count times"
    )


async def drop_connection(send: Send) -> None:
    # ASGI has no "close without answering". uvicorn checks header values as the response
    # starts: it marks the response started, refuses the CR/LF before writing a byte, and then
    # closes the socket when the application raises. The client sees the connection drop.
    with contextlib.suppress(Exception):  # httptools raises RuntimeError, h11 LocalProtocolError
        await send({"type": "http.response.start", "status": 500, "headers": [(b"x-mock-fault", b"drop\r\n")]})
    raise DroppedByFault("connection dropped by a queued fault (POST /__mock/faults)")


def fault_answer(fault: dict[str, Any]) -> tuple[int, Any]:
    status = int(fault.get("status") or 503)
    if "body" in fault:
        return status, fault["body"]
    return status, error_body(f"fault injected by POST /__mock/faults: status {status} ({fault['count']} more queued)")


class _QuietDrops(logging.Filter):
    """A drop is asked for, not a bug: keep its traceback out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedByFault))


class FaultMiddleware:
    def __init__(self, app: ASGIApp, mock: Mock) -> None:
        self.app = app
        self.mock = mock
        server_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _QuietDrops) for f in server_log.filters):
            server_log.addFilter(_QuietDrops())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        round_ = current_round()
        if round_ is not None:
            await self.in_round(round_, scope, receive, send)
            return
        session = usable_session(self.mock, scope)  # a name the endpoint refuses takes no session's fault
        fault = None if session is None else await self.mock.store.take_fault(session, scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        await self.answer(fault, scope, receive, send)

    async def in_round(self, round_: Round, scope: Scope, receive: Receive, send: Send) -> None:
        """A shared store: the request's first store call takes its fault (store/round.py), or, for a request that
        makes none, the guard run as its answer starts; a session without queued faults pays nothing for it."""
        store = self.mock.store
        state = scope.setdefault("state", {})
        before = dict(state)
        replay = Replay(receive)

        async def send_guarded(message: Message) -> None:
            if not round_.guarded and message["type"] == "http.response.start":
                try:
                    await store.guard()
                except StoreUnavailable as exc:  # Starlette cannot answer it once the answer started: ClockSync does
                    raise StoreLost(str(exc)) from None
            await send(message)

        try:
            await self.app(scope, replay.receive, send_guarded)
            return
        except FaultTaken as taken:
            fault = taken.fault
        state.clear()  # the fault's answer, not what the endpoint had made of the request
        state.update(before)
        replay.rewind()
        await self.answer(fault, scope, replay.receive, send)

    async def answer(self, fault: dict[str, Any], scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["fault"] = fault
        if fault.get("delay"):
            await asyncio.sleep(float(fault["delay"]))  # real latency: what a client's timeout sees
        if fault.get("drop"):
            await drop_connection(send)
        if "status" not in fault and "body" not in fault:
            await self.app(scope, receive, send)  # a delay alone: then the normal answer
            return
        status, body = fault_answer(fault)
        await send_json(send, body, status)
