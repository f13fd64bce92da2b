"""Rate-limit rules: the per-uid message windows and the per-IP limit, as pure functions.

The vendor documents `limits` as "optional per-uid rate limits" (messages per hour, day, week,
month) but not the window lengths or what a user sees over a limit; the mock's choices are here.
Counting itself is `Store.hit` (atomic), deciding is `store.decide` (pure).
"""

from __future__ import annotations

import math
from typing import Any

from .store import Decision, Window

# Sliding windows on the mock's clock; a "month" is 30 days.
WINDOW_SECONDS: dict[str, float] = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 604800.0,
    "monthly": 2592000.0,
}
IP_WINDOW_SECONDS = 60.0  # --ip-rate-limit is N per minute


def unknown_windows(limits_schema: dict[str, Any]) -> list[str]:
    """Windows the contract's `limits` object documents and the mock has no length for (checked at start-up,
    so a window the vendor adds cannot be silently ignored)."""
    parts = [limits_schema, *limits_schema.get("allOf", ())]
    documented = {name for part in parts for name in (part.get("properties") or {})}
    return sorted(documented - set(WINDOW_SECONDS))


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
