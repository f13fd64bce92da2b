"""Rate-limit rules: the per-uid message windows and the per-IP limit, as pure functions.

The vendor documents `limits` as "optional per-uid rate limits" (messages per hour, day, week,
month) but not the window lengths or what a user sees over a limit; the mock's choices are here.
Counting itself is `Store.hit` (atomic); deciding is `decide` and `verdict` here (pure), for both stores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    name: str  # "hourly", "daily", ...
    seconds: float
    limit: int


@dataclass(frozen=True)
class Decision:
    """The verdict of one rate-limited action over all of its windows."""

    allowed: bool
    window: Window | None  # the refusing window, else the one with fewest left
    remaining: int  # left in `window` after this action
    reset: float  # seconds until `window` frees a slot, counting this action when it is allowed


# Sliding windows on the mock's clock; a "month" is 30 days.
WINDOW_SECONDS: dict[str, float] = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 604800.0,
    "monthly": 2592000.0,
}
IP_WINDOW_SECONDS = 60.0  # --ip-rate-limit is N per minute


def unknown_windows(documented: Iterable[str]) -> list[str]:
    """Windows the contract's `limits` object documents (its property names) and the mock has no length for
    (checked at start-up, so a window the vendor adds cannot be silently ignored)."""
    return sorted(set(documented) - set(WINDOW_SECONDS))


def uid_bucket(uid: str) -> str:
    return f"uid:{uid}"


def ip_bucket(address: str) -> str:
    return f"ip:{address}"


def windows_of(limits: dict[str, int] | None) -> list[Window]:
    """The uid's windows, shortest first, from the `limits` of its most recent create."""
    if not limits:
        return []
    return [Window(name, seconds, int(limits[name])) for name, seconds in WINDOW_SECONDS.items() if name in limits]


def ip_windows(per_minute: int | None) -> list[Window]:
    return [Window("minute", IP_WINDOW_SECONDS, per_minute)] if per_minute else []


def whole_seconds(seconds: float) -> int:
    """Seconds a client must wait, rounded up, and at least 1 so a retry right away is never promised."""
    return max(math.ceil(seconds - 1e-9), 1)


def headers(decision: Decision, *, counted: bool = True) -> dict[str, str]:
    """`RateLimit-*` (and `Retry-After` on a refusal) for the tightest window; none when no limits apply.

    `counted` False describes the state before any action (a page view, a thread listing), so the
    slot this request would have used is still free.
    """
    window = decision.window
    if window is None:
        return {}
    remaining = decision.remaining + (0 if counted or not decision.allowed else 1)
    idle = not counted and remaining == window.limit  # nothing counted yet: no slot to wait for
    out = {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(whole_seconds(decision.reset) if decision.reset > 0 and not idle else 0),
    }
    if counted and not decision.allowed:
        out["Retry-After"] = str(whole_seconds(decision.reset))
    return out


def summary(decision: Decision, *, counted: bool = True) -> dict[str, object] | None:
    """The same facts as `headers`, as the JSON the page shows."""
    h = headers(decision, counted=counted)
    if not h or decision.window is None:
        return None
    return {
        "window": decision.window.name,
        "limit": decision.window.limit,
        "remaining": int(h["RateLimit-Remaining"]),
        "reset": int(h["RateLimit-Reset"]),
    }


def refusal(decision: Decision, uid: str) -> str:
    window = decision.window
    assert window is not None and not decision.allowed
    wait = whole_seconds(decision.reset)
    return (
        f"limits.{window.name}: uid {uid!r} has sent {window.limit} of {window.limit} messages allowed in the "
        f"{window.name} window ({int(window.seconds)} s, sliding); the message was not sent; retry in {wait} s"
    )


def ip_refusal(decision: Decision, address: str) -> str:
    window = decision.window
    assert window is not None
    wait = whole_seconds(decision.reset)
    return (
        f"client address {address}: over this mock's --ip-rate-limit of {window.limit}/minute "
        f"for iframe endpoints; retry in {wait} s"
    )


def decide(stamps: list[float], windows: list[Window], now: float) -> Decision:
    """The sliding-window verdict for one more action, given the sorted past action times."""
    tallies = []
    for window in windows:
        counted = [t for t in stamps if t > now - window.seconds]
        n = len(counted)
        tallies.append((n, counted[n - window.limit] if n >= window.limit else (counted[0] if counted else None)))
    return verdict(windows, tallies, now)


def verdict(windows: list[Window], tallies: list[tuple[int, float | None]], now: float) -> Decision:
    """The verdict from each window's count and pivot time: for a full window, the counted action whose
    leaving frees a slot; otherwise the oldest counted one (None when none is). Both stores end here."""
    best: Decision | None = None
    for window, (n, pivot) in zip(windows, tallies, strict=False):
        if n >= window.limit and pivot is not None:
            return Decision(False, window, 0, max(pivot + window.seconds - now, 0.0))
        left = window.limit - n - 1
        if best is None or left < best.remaining:
            reset = (pivot + window.seconds - now) if pivot is not None else window.seconds
            best = Decision(True, window, left, reset)
    return best or Decision(True, None, 0, 0.0)
