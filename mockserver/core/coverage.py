"""The coverage counters' keys and their tally: what every store adds up (spec/coverage.py says what is counted).

A key is a small tuple of strings that all come from the document, so a tally is bounded by the document
(operations × answers × fields), not by traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Key = tuple[str, ...]
Counts = tuple[Key, ...]


@dataclass
class Tally:
    """How many times each key was counted, and when each breach ("b") key was first counted (the mock's time, as
    the journal entry of that request shows it)."""

    counts: dict[Key, int] = field(default_factory=dict)
    first: dict[Key, float] = field(default_factory=dict)

    def add(self, keys: Counts, now: float) -> None:
        counts = self.counts
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
            if key[0] == "b" and key not in self.first:
                self.first[key] = now

    def merge(self, other: Tally) -> None:
        """Add another tally's counts in (the earliest first time of each breach kept)."""
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, when in other.first.items():
            self.first[key] = min(when, self.first.get(key, when))


def encode(key: Key) -> str:
    """A key as a Redis hash field (the parts never hold a tab: names from the document, joined by one)."""
    return "\t".join(key)


def decode(raw: str) -> Key:
    return tuple(raw.split("\t"))
