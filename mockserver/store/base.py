"""All mutable state behind one small async interface, namespaced by `X-Mock-Session`.

Each operation is one atomic step so that it maps onto one Redis command, transaction or Lua
script: nothing here may assume a single process. `MemoryStore` is the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.core.clock import ClockState
from mockserver.core.coverage import Counts, Tally
from mockserver.core.limits import Decision, Window
from mockserver.core.tokens import claims_of
from mockserver.store.resources import Resources

# Sessions kept, by last write. Past the cap a new session takes the place of the least recently written one that
# holds nothing live (no live link, no queued fault, no collection's items); only a create or a queued fault may take the place of one
# that does. A request that would only be journaled in a new session, with every session holding something, is
# answered but not journaled: names that hold nothing never push out state a test is relying on.
MAX_SESSIONS = 256
# Live links kept per session, by count and by bytes: a create that would pass either drops the session's oldest live
# links until it fits, and they then answer as expired. Each create keeps its token until `exp` (forever on a frozen
# clock), and a valid create may carry ~1 MB fields: these are what bound them. A link counts `link_bytes`: its
# token, which carries the claims, and its uid, kept beside it for the uid's limits. An ordinary link is ~1 KB, so
# the count binds first; links of ~1 MB fields (up to ~2.45 MB each) meet the byte budget after a dozen or so.
MAX_LIVE_LINKS = 10_000
MAX_LIVE_LINK_BYTES = 32 * 1024 * 1024
EXPIRED_MEMORY = 10_000  # expired (or dropped) cache keys remembered per session, so a page can say 410, not 404
REMOVED_MEMORY = 10_000  # deleted resource paths remembered per session, newest kept


@dataclass(frozen=True)
class Link:
    """What a create leaves behind: the signed token and the claims it carries.

    The claims are the token's payload, so stores keep the token alone and read the claims back from it
    (`from_token`): one copy of what a create sent, not two."""

    cache_key: str
    token: str
    claims: dict[str, Any]
    expires_at: float

    @classmethod
    def from_token(cls, cache_key: str, token: str, expires_at: float) -> Link:
        return cls(cache_key, token, claims_of(token), expires_at)

    @property
    def uid(self) -> str:
        return str(self.claims.get("sub"))


def link_bytes(token: str, uid: str) -> int:
    """What a live link counts against `MAX_LIVE_LINK_BYTES`: its token and its uid, in bytes."""
    return len(token) + len(uid.encode("utf-8", "surrogatepass"))


class StoreUnavailable(Exception):
    """The store behind the mock cannot be reached right now; answered 503, naming the store."""


@dataclass(frozen=True)
class LinkLookup:
    """What a cache key names: a live link (`link` set), one that has expired, or nothing this mock issued."""

    link: Link | None
    expired: bool = False


UNKNOWN = LinkLookup(None)
EXPIRED = LinkLookup(None, expired=True)


class Store(Protocol):
    @property
    def resources(self) -> Resources:
        """The collections' items, per session (store/resources.py)."""
        ...

    async def start(self) -> None:
        """Before the first request (the app's start-up): a shared store loads its scripts."""
        ...

    async def guard(self) -> None:
        """Run the request's round guard if no store call of the request has (store/round.py); may raise
        `ClockMoved` or `FaultTaken`. Nothing on a store without rounds."""
        ...

    async def put_link(self, session: str, link: Link, now: float) -> None:
        """Atomically: keep the link until it expires, and make its `limits` claim the uid's limits (none: no limits)."""
        ...

    async def get_link(self, session: str, cache_key: str, now: float) -> LinkLookup: ...

    async def get_limits(self, session: str, uid: str) -> dict[str, int] | None: ...
    async def hit(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        """Atomically: refuse if any window is full, else count one action at `now`.

        Session None is the store's global namespace, which no request can name and which neither session eviction
        nor a session's reset reaches (the per-address counters live there)."""
        ...

    async def peek(self, session: str | None, bucket: str, windows: list[Window], now: float) -> Decision:
        """What `hit` would decide, counting nothing."""
        ...

    async def remove_resource(self, session: str, path: str, now: float) -> None:
        """Remember that the resource at `path` was deleted: it, and everything under it, is gone."""
        ...

    async def removed(self, session: str, path: str) -> bool:
        """Whether `path`, or a resource above it, was deleted in the session."""
        ...

    async def journal_append(self, session: str, entry: dict[str, Any], cap: int, counts: Counts = ()) -> None:
        """Keep the request's journal entry and add up its coverage counters (spec/coverage.py), in the session and
        in the total: on a shared store both ride in the request's round (store/round.py)."""
        ...

    async def coverage(self, session: str | None) -> Tally:
        """The session's coverage counters, or with None every session's together."""
        ...

    async def coverage_clear(self, session: str) -> None:
        """Empty the session's coverage counters and the total."""
        ...

    async def journal(self, session: str) -> list[dict[str, Any]]: ...
    async def journal_clear(self, session: str) -> None: ...

    async def add_fault(self, session: str, fault: dict[str, Any], cap: int) -> bool:
        """Atomically: queue the fault unless the session already queues `cap` (then False, nothing queued)."""
        ...

    async def take_fault(self, session: str, method: str, path: str) -> dict[str, Any] | None:
        """Atomically: the first queued fault matching the request, its count used up by one."""
        ...

    async def faults(self, session: str) -> list[dict[str, Any]]: ...
    async def clear_faults(self, session: str) -> None: ...

    async def load_clock(self) -> ClockState | None: ...
    async def save_clock(self, state: ClockState) -> None: ...

    async def reset(self, session: str) -> None:
        """Empty the session's links, limits, counters, resources, journal and faults."""
        ...

    async def live_links(self, session: str, now: float) -> list[Link]: ...
    async def close(self) -> None: ...


def fault_matches(fault: dict[str, Any], method: str, path: str) -> bool:
    want = fault.get("method")
    return fault.get("path") in (None, path) and (want is None or want.upper() == method)


def resource_paths(path: str) -> list[str]:
    """`/a/1/b/` → `["/a/1/b", "/a/1", "/a"]`: the resource a path names and those above it, trailing slash dropped."""
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 1, -1)] or ["/"]  # the root names itself
