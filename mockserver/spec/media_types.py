"""Media types as requests name them: without parameters, JSON or not, within a documented `type/*` or `*/*`."""

from __future__ import annotations

from collections.abc import Iterable

from python_multipart.multipart import parse_options_header

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
OCTETS = "application/octet-stream"  # what a body without a Content-Type is taken for (RFC 9110 §8.3)


def base_media(kind: str) -> str:
    """A media type without its parameters, lower case: `application/json; charset=utf-8` → `application/json`."""
    return kind.partition(";")[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


def within(kind: str, documented: str) -> bool:
    """`kind` is the documented media type, or within a documented `text/*` or `*/*`."""
    if documented in (kind, "*/*"):
        return True
    return documented.endswith("/*") and kind.startswith(documented[:-1])


def parse_header(value: str) -> tuple[str, dict[str, str]]:
    """A Content-Type or Content-Disposition header: its value (lower case) and its parameters by lower-case name."""
    kind, params = parse_options_header(value)
    return kind.decode("latin-1"), {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in params.items()}


def listed(kinds: Iterable[str]) -> str:
    """Media types for a sentence: `application/json or multipart/form-data`."""
    names = list(kinds)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
