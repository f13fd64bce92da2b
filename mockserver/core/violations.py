"""Contract violations summed by session, operation and field, so that a suite run ends in one report.

`mockserver proxy` counts every exchange it checks here; `GET /__mock/violations` reads the sum. Bounded however
long it runs: at most `MAX_SESSIONS` sessions and `MAX_KEYS` (operation, field) pairs each, the rest counted under
one overflow row.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_SESSIONS = 256
MAX_KEYS = 1000
OVERFLOW = "(other fields, past the report's limit)"
# `request body.ttl: ...`, `response 200 body.items[3].id: ...`: the field is what precedes the first colon.
_FIELD = re.compile(r"((?:request|response \d{3}) [^\s:]+):")
_INDEX = re.compile(r"\[\d+\]")


def field_of(violation: str) -> str:
    """The field a violation sentence names, array indices folded (`srcs[3]` → `srcs[]`); for a sentence that
    names none (`response status 500 is not documented ...`), its first two words."""
    found = _FIELD.match(violation)
    name = found.group(1) if found else " ".join(violation.split(" ", 2)[:2])
    return _INDEX.sub("[]", name)


@dataclass
class _Row:
    count: int = 0
    example: str = ""  # the latest sentence


@dataclass
class _Session:
    exchanges: int = 0  # checked
    failing: int = 0  # with at least one violation
    rows: dict[tuple[str | None, str], _Row] = field(default_factory=dict)


class ViolationTally:
    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def count(self, session: str, operation: str | None, violations: Sequence[str]) -> None:
        """One checked exchange of `operation` (None: not in the document), with what it broke."""
        state = self._sessions.get(session)
        if state is None:
            state = self._sessions[session] = _Session()
            if len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(session)
        state.exchanges += 1
        if not violations:
            return
        state.failing += 1
        for violation in violations:
            key = (operation, field_of(violation))
            row = state.rows.get(key)
            if row is None:
                if len(state.rows) >= MAX_KEYS:
                    key = (None, OVERFLOW)
                row = state.rows.setdefault(key, _Row())
            row.count += 1
            row.example = violation

    def report(self, session: str) -> dict[str, Any]:
        """Most frequent first: each (operation, field) with its count and its latest sentence."""
        state = self._sessions.get(session) or _Session()
        rows = sorted(
            state.rows.items(), key=lambda item: (-item[1].count, item[0][0] is None, item[0][0] or "", item[0][1])
        )
        return {
            "exchanges": state.exchanges,
            "with_violations": state.failing,
            "total": sum(row.count for _, row in rows),
            "violations": [
                {"operation": operation, "field": name, "count": row.count, "example": row.example}
                for (operation, name), row in rows
            ],
        }

    def clear(self, session: str) -> None:
        self._sessions.pop(session, None)
