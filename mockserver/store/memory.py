"""`MemoryStore`: the embedded default, all state in this process's memory, bounded however long it runs."""

from __future__ import annotations

import heapq
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.camelai import CAMELAI
from mockserver.core.clock import ClockState
from mockserver.core.coverage import Counts, Tally
from mockserver.core.limits import Decision, Window, decide
from mockserver.store.base import (
    EXPIRED,
    EXPIRED_MEMORY,
    MAX_LIVE_LINK_BYTES,
    MAX_LIVE_LINKS,
    MAX_SESSIONS,
    REMOVED_MEMORY,
    UNKNOWN,
    Link,
    LinkLookup,
    fault_matches,
    link_bytes,
    resource_paths,
)
from mockserver.store.memory_resources import MemoryResources

__all__ = ["EXPIRED_MEMORY", "MAX_LIVE_LINKS", "MAX_LIVE_LINK_BYTES", "MAX_SESSIONS", "MemoryStore"]


@dataclass
class _Session:
    # Each live link as (token, uid, expires_at): a tuple of atoms the garbage collector stops tracking, so tens
    # of thousands of live links cost no collection pauses (as Link objects they cost ~70 ms). The claims are read
    # back from the token. Oldest first (dicts keep insertion order), which is the order they go in past the caps.
    links: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    link_bytes: int = 0  # what the live links count against MAX_LIVE_LINK_BYTES, kept in step with `links`
    uid_links: dict[str, int] = field(default_factory=dict)  # live links per uid: its limits go with its last one
    # Heap of (expires_at, cache key); a dropped link's entry stays until the heap is rebuilt, holding its key only.
    by_expiry: list[tuple[float, str]] = field(default_factory=list)
    expired: OrderedDict[str, None] = field(default_factory=OrderedDict)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    stamps: dict[str, list[float]] = field(default_factory=dict)
    stamps_until: dict[str, float] = field(default_factory=dict)  # when a bucket's last stamp leaves every window
    idle: list[tuple[float, str]] = field(default_factory=list)  # heap of (when a bucket may be idle, bucket)
    journal: deque[dict[str, Any]] = field(default_factory=deque)
    faults: list[dict[str, Any]] = field(default_factory=list)
    removed: OrderedDict[str, None] = field(default_factory=OrderedDict)  # deleted resource paths, oldest first
    coverage: Tally = field(default_factory=Tally)  # the coverage counters (spec/coverage.py): bounded by the document


def _remember_gone(s: _Session, cache_key: str) -> None:
    s.expired[cache_key] = None
    if len(s.expired) > EXPIRED_MEMORY:
        s.expired.popitem(last=False)


def _forget_link(s: _Session, cache_key: str) -> None:
    """A live link goes (it expired, was dropped past a cap, or is put again): its bytes, and its uid's limits
    with the uid's last live link (no message can be sent without one, and the next create sets them anew)."""
    token, uid, _ = s.links.pop(cache_key)
    s.link_bytes -= link_bytes(token, uid)
    left = s.uid_links[uid] - 1
    if left:
        s.uid_links[uid] = left
    else:
        del s.uid_links[uid]
        s.limits.pop(uid, None)


def _link(cache_key: str, kept: tuple[str, str, float]) -> Link:
    token, _, expires_at = kept
    return Link.from_token(cache_key, token, expires_at)


class MemoryStore:
    """State in this process's memory; bounded however long it runs."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()  # least recently written first
        self._global = _Session()  # what belongs to no session: out of reach of eviction and reset
        self._clock: ClockState | None = None
        self._now = 0.0  # the mock's time as last told; what "live" means when a session must make room
        self.resources = MemoryResources()
        self._total = Tally()  # the coverage counters of every session together, until `coverage_clear`

    async def start(self) -> None:
        pass

    async def guard(self) -> None:
        pass  # one process's memory: no shared clock to check, and faults are taken before the endpoint

    def _s(self, session: str | None) -> _Session:
        """The session's state, for a write that holds something (a link, a fault), marked most recently written."""
        if session is None:
            return self._global
        state = self._sessions.get(session)
        if state is not None:
            self._sessions.move_to_end(session)
            return state
        state = self._new(session, holding=True)
        assert state is not None  # a write that holds something always gets a place
        return state

    def _new(self, session: str, *, holding: bool) -> _Session | None:
        """A new session's state: in a free place, else in that of the least recently written session holding
        nothing live, else (only for a write that holds something) of the least recently written one."""
        if len(self._sessions) >= MAX_SESSIONS:
            victim = self._idle_session()
            if victim is None:
                if not holding:
                    return None
                victim = next(iter(self._sessions))
            del self._sessions[victim]
            self.resources.reset(victim)
        state = self._sessions[session] = _Session()
        return state

    def _idle_session(self) -> str | None:
        """The least recently written session that holds nothing live."""
        for name, state in self._sessions.items():
            self._purge(state, self._now)
            if not state.links and not state.faults and not self.resources.holds(name):
                return name
        return None

    def _view(self, session: str | None) -> _Session:
        """The session's state, for a read: a session nobody wrote to is not created by looking at it."""
        if session is None:
            return self._global
        return self._sessions.get(session) or _Session()

    def _purge(self, s: _Session, now: float) -> None:
        while s.by_expiry and s.by_expiry[0][0] <= now:
            _, key = heapq.heappop(s.by_expiry)
            kept = s.links.get(key)
            if kept is not None and kept[2] <= now:  # else dropped already, or put again with a later expiry
                _forget_link(s, key)
                _remember_gone(s, key)

    async def put_link(self, session: str, link: Link, now: float) -> None:
        self._now = now
        s = self._s(session)
        self._purge(s, now)
        uid = link.uid
        size = link_bytes(link.token, uid)
        if link.cache_key in s.links:
            _forget_link(s, link.cache_key)
        # Room first: the oldest live links go, and answer as expired from then on; the new one is always kept.
        while s.links and (len(s.links) >= MAX_LIVE_LINKS or s.link_bytes + size > MAX_LIVE_LINK_BYTES):
            oldest = next(iter(s.links))
            _forget_link(s, oldest)
            _remember_gone(s, oldest)
        s.links[link.cache_key] = (link.token, uid, link.expires_at)
        s.link_bytes += size
        s.uid_links[uid] = s.uid_links.get(uid, 0) + 1
        heapq.heappush(s.by_expiry, (link.expires_at, link.cache_key))
        if len(s.by_expiry) > 2 * MAX_LIVE_LINKS:
            # The heap still holds the dropped links' keys, until they would have expired (on a frozen clock,
            # never): rebuild it from the live ones now and then.
            s.by_expiry = [(kept[2], key) for key, kept in s.links.items()]
            heapq.heapify(s.by_expiry)
        limits = link.claims.get(CAMELAI.create.limits)
        if limits:
            s.limits[uid] = dict(limits)
        else:
            s.limits.pop(uid, None)

    async def get_link(self, session: str, cache_key: str, now: float) -> LinkLookup:
        self._now = now
        s = self._view(session)
        self._purge(s, now)
        kept = s.links.get(cache_key)
        if kept is not None:
            return LinkLookup(_link(cache_key, kept))
        return EXPIRED if cache_key in s.expired else UNKNOWN

    async def live_links(self, session: str, now: float) -> list[Link]:
        self._now = now
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

    async def hit(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        self._now = now
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

    async def peek(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        self._now = now
        return decide(self._stamps(self._view(session), bucket, windows, now), windows, now)

    async def remove_resource(self, session: str, path: str, now: float) -> None:
        state = self._noted(session)
        if state is None:
            return
        state.removed[resource_paths(path)[0]] = None
        state.removed.move_to_end(resource_paths(path)[0])
        if len(state.removed) > REMOVED_MEMORY:
            state.removed.popitem(last=False)

    async def removed(self, session: str, path: str) -> bool:
        removed = self._view(session).removed
        return any(p in removed for p in resource_paths(path))

    def _noted(self, session: str) -> _Session | None:
        """The session's state, for a write that holds nothing live (a journal entry, a deletion): a new name takes
        no place a session holding something live has, and gets None when every place is taken so."""
        state = self._sessions.get(session)
        if state is not None:
            self._sessions.move_to_end(session)
            return state
        return self._new(session, holding=False)

    async def journal_append(self, session: str, entry: dict[str, Any], cap: int, counts: Counts = ()) -> None:
        state = self._noted(session)
        if counts:
            self._total.add(counts, entry["epoch"], entry["id"])
            if state is not None:
                state.coverage.add(counts, entry["epoch"], entry["id"])
        if state is None:
            return
        journal = state.journal
        journal.append(entry)
        while len(journal) > cap:
            journal.popleft()

    async def journal(self, session: str) -> list[dict[str, Any]]:
        return list(self._view(session).journal)

    async def journal_clear(self, session: str) -> None:
        self._view(session).journal.clear()

    async def coverage(self, session: str | None) -> Tally:
        found = self._total if session is None else self._view(session).coverage
        return Tally(dict(found.counts), dict(found.first))

    async def coverage_clear(self, session: str) -> None:
        self._view(session).coverage = Tally()
        self._total = Tally()

    async def add_fault(self, session: str, fault: dict[str, Any], cap: int) -> bool:
        if len(self._view(session).faults) >= cap:
            return False
        self._s(session).faults.append(dict(fault))
        return True

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
