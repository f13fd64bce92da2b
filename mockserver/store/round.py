"""A request's round: what a shared store sends with the request's first store call, so that call is its only one.

Before its endpoint runs, a request on a shared store needs the shared clock and the session's queued faults; after
it, its journal entry is written. Rather than a round trip each, the middleware opens a `Round` (server/middleware/
clock_sync.py) and the request runs on the clock it last saw. Its first store call (or, for a request that makes none,
`Store.guard()` as its answer starts) carries the round's guard: the script checks that the shared clock is still the
one the request ran on and takes the first queued fault matching the request, before doing its own work. Journal
entries of requests already answered ride along with it. So a request on a session without faults costs one round
trip; one whose guard trips costs two at most: `ClockMoved` restarts the request on the moved clock, `FaultTaken`
hands it to the fault middleware. The memory store has no rounds: its calls cost nothing to repeat.

A place for the coverage counters (issue 20): they belong in `Round` as the operations it counted, and ride along
with the journal entries in the same call (`RedisStore._head`).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mockserver.core.clock import ClockState


@dataclass
class Round:
    fault_session: str | None  # whose queued faults the request may take (None: a name the endpoint refuses)
    journal_session: str | None  # where its journal entry goes (None: no journal)
    method: str
    path: str
    clock: ClockState | None  # the shared clock as the request saw it (None: the store holds none)
    guarded: bool = False  # the guard has run: later calls of the request carry none
    counted: bool = False  # the store counts the request's journal entry as coming (see `RedisStore.journal`)


CURRENT: ContextVar[Round | None] = ContextVar("mockserver_round", default=None)


def current_round() -> Round | None:
    return CURRENT.get()


class Interrupted(Exception):
    """A request's run cut short by its round, before it answered; the middleware that owns the case goes on."""


class ClockMoved(Interrupted):
    """The shared clock moved since the request started: run it again on `state` (None: the store holds none)."""

    def __init__(self, state: ClockState | None) -> None:
        super().__init__("the shared clock moved; the request runs again on it")
        self.state = state


class FaultTaken(Interrupted):
    """The request's guard took a queued fault: the fault middleware answers it."""

    def __init__(self, fault: dict[str, Any]) -> None:
        super().__init__("a queued fault was taken for this request")
        self.fault = fault


class StoreLost(Interrupted):
    """The store became unreachable where Starlette's handlers cannot answer (as the answer starts): a 503."""
