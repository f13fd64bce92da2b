"""What compiling one operation found: notes for the warnings, and the places the served document leaves out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Place = tuple[str | int, ...]  # where in an operation object; one starting with "item" is in its path item


@dataclass
class Findings:
    """Notes for the warnings, what the served document leaves out (places in the operation) and what it adds
    (path parameters the mock assumed)."""

    notes: list[str] = field(default_factory=list)
    left_out: list[Place] = field(default_factory=list)
    assumed: list[dict[str, Any]] = field(default_factory=list)

    def leave_out(self, place: Place, note: str) -> None:
        self.notes.append(note)
        self.left_out.append(place)
