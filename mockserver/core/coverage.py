"""The coverage counters' keys and their tally: what every store adds up (spec/coverage.py says what is counted).

A key is a small tuple of strings that all come from the document, so a tally is bounded by the document
(operations × answers × fields), not by traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Key = tuple[str, ...]
Counts = tuple[Key, ...]
First = tuple[float, str]  # when a breach was first seen, and that request's journal id


@dataclass
class Tally:
    """How many times each key was counted, and for each breach ("b") key the request that first broke it: its time
    on the mock's clock and its journal entry's id, as the journal shows them."""

    counts: dict[Key, int] = field(default_factory=dict)
    first: dict[Key, First] = field(default_factory=dict)

    def add(self, keys: Counts, now: float, request: str) -> None:
        counts = self.counts
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
            if key[0] == "b" and key not in self.first:
                self.first[key] = (now, request)

    def merge(self, other: Tally) -> None:
        """Add another tally's counts in (the earliest first time of each breach kept)."""
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, seen in other.first.items():
            self.first[key] = min(seen, self.first.get(key, seen))


def encode(key: Key) -> str:
    """A key as a Redis hash field (the parts never hold a tab: names from the document, joined by one)."""
    return "\t".join(key)


def decode(raw: str) -> Key:
    return tuple(raw.split("\t"))


def encode_first(when: float, request: str) -> str:
    """A breach's first request as a Redis hash value: its time and its journal id."""
    return f"{when!r} {request}"


def decode_first(raw: str) -> First:
    when, _, request = raw.partition(" ")
    return float(when), request
