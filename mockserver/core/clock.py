"""The mock's one clock: every expiry, `iat`/`exp` and rate-limit window reads it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


class ClockError(ValueError):
    """A clock setting or move that cannot be honoured."""


# Every time the clock shows must format as ISO 8601 and leave room for a token's ttl after it.
EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = 253370764800.0  # 9999-01-01T00:00:00Z


@dataclass(frozen=True)
class ClockState:
    """All a clock is: frozen at `value`, or real time shifted by `value` seconds."""

    frozen: bool
    value: float


def parse_time(text: str) -> float:
    """ISO 8601 (a `Z` suffix allowed; no zone means UTC) to epoch seconds."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ClockError(f"{text!r} is not an ISO 8601 time such as 2026-01-01T00:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, ValueError):
        raise ClockError(f"{text!r} is outside the times the mock's clock can hold") from None


def stopwatch() -> float:
    """Seconds on a monotonic counter, for timing how long something took (a HAR entry's timings); never the
    mock's time of day, which is `Clock.now()`."""
    return time.perf_counter()


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


class Clock:
    """Real time by default; frozen or offset for tests, and movable without sleeping."""

    def __init__(self, state: ClockState = ClockState(False, 0.0), source: Callable[[], float] = time.time):
        self._source = source
        self.state = state

    @classmethod
    def parse(cls, spec: str, source: Callable[[], float] = time.time) -> Clock:
        """`real`, `frozen` (now, stopped), `frozen:<ISO time>` or `offset:<±seconds>`."""
        kind, _, arg = spec.partition(":")
        if kind == "real" and not arg:
            return cls(source=source)
        if kind == "frozen":
            return cls(ClockState(True, parse_time(arg) if arg else source()), source)
        if kind == "offset":
            try:
                return cls(ClockState(False, float(arg)), source)
            except ValueError:
                pass
        raise ClockError(f"--clock {spec!r} is not one of: real, frozen, frozen:<ISO time>, offset:<seconds>")

    def now(self) -> float:
        return self.state.value if self.state.frozen else self._source() + self.state.value

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError(f"advance: {seconds} is negative; the clock only moves forward")
        if self.now() + seconds >= LATEST:
            raise ClockError(f"advance: {seconds} s would take the clock past 9999-01-01T00:00:00Z")
        self.state = ClockState(self.state.frozen, self.state.value + seconds)

    def set(self, when: float, allow_backwards: bool = False) -> None:
        if not EARLIEST <= when < LATEST:
            raise ClockError(f"set: {when} is outside 1970-01-01T00:00:00Z to 9999-01-01T00:00:00Z")
        now = self.now()
        if when < now and not allow_backwards:
            raise ClockError(
                f"set: {format_time(when)} is before the mock's now ({format_time(now)}); "
                'send "allow_backwards": true to move the clock back'
            )
        base = 0.0 if self.state.frozen else self._source()
        self.state = ClockState(self.state.frozen, when - base)
