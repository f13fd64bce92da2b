"""`MemoryStore`: the embedded default, all state in this process's memory, bounded however long it runs."""

from __future__ import annotations

import heapq
import json
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.clock import ClockState
from mockserver.core.json_codec import dumps
from mockserver.core.limits import Decision, Window, decide
from mockserver.store.base import EXPIRED, UNKNOWN, Link, LinkLookup, fault_matches
from mockserver.store.memory_resources import MemoryResources

MAX_SESSIONS = 256  # X-Mock-Session names kept in memory, least recently written dropped first
EXPIRED_MEMORY = 10_000  # expired cache keys remembered per session, so a page can say 410, not 404


@dataclass
class _Session:
    # Each link as (token, uid, claims as JSON, expires_at): a tuple of atoms the garbage collector stops
    # tracking, so tens of thousands of live links cost no collection pauses (as Link objects they cost ~70 ms).
    links: dict[str, tuple[str, str, bytes, float]] = field(default_factory=dict)
    by_expiry: list[tuple[float, str]] = field(default_factory=list)
    expired: OrderedDict[str, None] = field(default_factory=OrderedDict)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    uid_until: dict[str, float] = field(default_factory=dict)  # when a uid's last live link expires
    stamps: dict[str, list[float]] = field(default_factory=dict)
    stamps_until: dict[str, float] = field(default_factory=dict)  # when a bucket's last stamp leaves every window
    idle: list[tuple[float, str]] = field(default_factory=list)  # heap of (when a bucket may be idle, bucket)
    journal: deque[dict[str, Any]] = field(default_factory=deque)
    faults: list[dict[str, Any]] = field(default_factory=list)


def _link(cache_key: str, kept: tuple[str, str, bytes, float]) -> Link:
    token, _, claims, expires_at = kept
    return Link(cache_key, token, json.loads(claims), expires_at)


class MemoryStore:
    """State in this process's memory; bounded however long it runs."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._clock: ClockState | None = None
        self.resources = MemoryResources()

    def _s(self, session: str) -> _Session:
        """The session's state, for a write: created when new; the least recently written goes past the cap."""
        state = self._sessions.get(session)
        if state is None:
            state = self._sessions[session] = _Session()
            if len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(session)
        return state

    def _view(self, session: str) -> _Session:
        """The session's state, for a read: a session nobody wrote to is not created by looking at it."""
        return self._sessions.get(session) or _Session()

    def _purge(self, s: _Session, now: float) -> None:
        while s.by_expiry and s.by_expiry[0][0] <= now:
            _, key = heapq.heappop(s.by_expiry)
            link = s.links.pop(key, None)
            if link is not None:
                uid = link[1]
                s.expired[key] = None
                if len(s.expired) > EXPIRED_MEMORY:
                    s.expired.popitem(last=False)
                # No live link, no message: the uid's limits matter again only after a new create,
                # which sets them anew, so they go with its last link.
                if s.uid_until.get(uid, now + 1) <= now:
                    del s.uid_until[uid]
                    s.limits.pop(uid, None)

    async def put_link(self, session: str, link: Link, now: float) -> None:
        s = self._s(session)
        self._purge(s, now)
        uid = str(link.claims.get("sub"))
        # A copy of exact size: orjson's own result keeps its 4-8 KiB working buffer for as long as it lives.
        claims = bytes(memoryview(dumps(link.claims)))
        s.links[link.cache_key] = (link.token, uid, claims, link.expires_at)
        heapq.heappush(s.by_expiry, (link.expires_at, link.cache_key))
        s.uid_until[uid] = max(s.uid_until.get(uid, link.expires_at), link.expires_at)
        limits = link.claims.get("limits")
        if limits:
            s.limits[uid] = dict(limits)
        else:
            s.limits.pop(uid, None)

    async def get_link(self, session: str, cache_key: str, now: float) -> LinkLookup:
        s = self._view(session)
        self._purge(s, now)
        kept = s.links.get(cache_key)
        if kept is not None:
            return LinkLookup(_link(cache_key, kept))
        return EXPIRED if cache_key in s.expired else UNKNOWN

    async def live_links(self, session: str, now: float) -> list[Link]:
        s = self._view(session)
        self._purge(s, now)
        return sorted((_link(key, kept) for key, kept in s.links.items()), key=lambda link: link.expires_at)

    async def get_limits(self, session: str, uid: str) -> dict[str, int] | None:
        return self._view(session).limits.get(uid)

    def _sweep(self, s: _Session, now: float) -> None:
        """Drop counters nobody touched for their whole lifetime, so idle uids cost nothing."""
        while s.idle and s.idle[0][0] <= now:
            _, name = heapq.heappop(s.idle)
            if s.stamps_until.get(name, now + 1) <= now:  # a newer heap entry exists while the name stayed active
                s.stamps_until.pop(name)
                s.stamps.pop(name, None)

    def _stamps(self, s: _Session, bucket: str, windows: list[Window], now: float) -> list[float]:
        horizon = now - max((w.seconds for w in windows), default=0.0)
        stamps = [t for t in s.stamps.get(bucket, ()) if t > horizon]
        if stamps:
            s.stamps[bucket] = stamps
        else:
            s.stamps.pop(bucket, None)  # an idle bucket costs nothing
        return stamps

    async def hit(self, session: str, bucket: str, windows: list[Window], now: float) -> Decision:
        s = self._s(session)
        stamps = self._stamps(s, bucket, windows, now)
        decision = decide(stamps, windows, now)
        if decision.allowed and windows:
            stamps.append(now)
            s.stamps[bucket] = stamps
            until = now + max(w.seconds for w in windows)
            s.stamps_until[bucket] = until
            heapq.heappush(s.idle, (until, bucket))
        self._sweep(s, now)
        return decision

    async def peek(self, session: str, bucket: str, windows: list[Window], now: float) -> Decision:
        return decide(self._stamps(self._view(session), bucket, windows, now), windows, now)

    async def journal_append(self, session: str, entry: dict[str, Any], cap: int) -> None:
        journal = self._s(session).journal
        journal.append(entry)
        while len(journal) > cap:
            journal.popleft()

    async def journal(self, session: str) -> list[dict[str, Any]]:
        return list(self._view(session).journal)

    async def journal_clear(self, session: str) -> None:
        self._view(session).journal.clear()

    async def add_fault(self, session: str, fault: dict[str, Any]) -> None:
        self._s(session).faults.append(dict(fault))

    async def take_fault(self, session: str, method: str, path: str) -> dict[str, Any] | None:
        faults = self._view(session).faults
        for i, fault in enumerate(faults):
            if fault_matches(fault, method, path):
                fault["count"] -= 1
                if fault["count"] <= 0:
                    del faults[i]
                return dict(fault)
        return None

    async def faults(self, session: str) -> list[dict[str, Any]]:
        return [dict(f) for f in self._view(session).faults]

    async def clear_faults(self, session: str) -> None:
        self._view(session).faults.clear()

    async def load_clock(self) -> ClockState | None:
        return self._clock

    async def save_clock(self, state: ClockState) -> None:
        self._clock = state

    async def reset(self, session: str) -> None:
        self._sessions.pop(session, None)
        self.resources.reset(session)

    async def close(self) -> None:
        pass
