"""A change between two documents, and the report that lists them: the one shape every output renders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# From the client's side, worst first.
BREAKING = "breaking"  # a request valid before is refused, or parsing an answer can break
BEHAVIOUR = "behaviour"  # the same request now means something else (a default moved, an answer's enum widened)
ADDITIVE = "additive"  # something new and optional; nothing a client does today changes
CLASSES = (BREAKING, BEHAVIOUR, ADDITIVE)
ABSENT: Any = None  # old or new of a change where the thing is not there at all


@dataclass(frozen=True)
class Change:
    operation: str  # `POST /api/v1/iframe/create`, as the document in which it exists writes it
    place: tuple[str, ...]  # below the operation: `request body`, `model`, `default`
    kind: str  # what changed, one short phrase: `property removed`, `enum widened`, `default changed`
    old: Any
    new: Any
    klass: str  # one of CLASSES
    why: str  # the reason for the class, one sentence from the client's side
    operation_id: str = ""  # the id under which a coverage report counts it
    status: str | None = None  # the answer it is about, if one
    field: str | None = None  # the request field it is about (`model`, `limits.hourly`, `query.page`), if one
    used: str | None = None  # how the client's tests exercise it (usage.py), e.g. "your tests send `model`"
    closeness: int = 3  # how directly they do: 0 a field they send or an answer they get, 1 a field they leave
    # out (a default, a newly required field), 2 an operation they call, 3 not at all

    @property
    def where(self) -> str:
        return " › ".join((self.operation, *self.place))

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.klass,
            "operation": self.operation,
            "operation_id": self.operation_id,
            "place": list(self.place),
            "where": self.where,
            "change": self.kind,
            "old": self.old,
            "new": self.new,
            "why": self.why,
            "status": self.status,
            "field": self.field,
            "used": self.used,
        }


@dataclass(frozen=True)
class Report:
    old: str  # the documents' paths, as given
    new: str
    changes: tuple[Change, ...]  # in reading order: used first, then worst class first, then by place
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # document path -> its vendor mistakes

    def count(self, klass: str) -> int:
        return sum(1 for c in self.changes if c.klass == klass)

    def fails(self, fail_on: str | None) -> bool:
        """Whether a change is at least as bad as `fail_on` (`breaking` or `behaviour`)."""
        if fail_on is None:
            return False
        worst = CLASSES[: CLASSES.index(fail_on) + 1]
        return any(c.klass in worst for c in self.changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "summary": {k: self.count(k) for k in CLASSES} | {"used": sum(1 for c in self.changes if c.used)},
            "changes": [c.as_json() for c in self.changes],
            "warnings": {k: list(v) for k, v in self.warnings.items()},
        }


def ordered(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Those the client's tests exercise first (most directly first), then breaking, behaviour, additive; then by
    place."""
    return tuple(sorted(changes, key=lambda c: (c.closeness, CLASSES.index(c.klass), c.operation, c.place)))
