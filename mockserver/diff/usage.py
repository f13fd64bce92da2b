"""What a client's tests exercised, read from a coverage report (`--coverage FILE` or a running mock's
`GET /__mock/coverage`), and each change marked with how those tests touch it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockserver.diff.model import BREAKING, Change

# Breaking for a client that does not send the field: it is required now.
_LEAVING_OUT = ("required changed", "property added", "parameter added")


class CoverageError(ValueError):
    """A coverage report that cannot be read; the message names its source."""


@dataclass(frozen=True)
class Used:
    """One operation as the tests exercised it."""

    calls: int
    answers: frozenset[str]  # statuses answered, as strings ("200")
    fields: frozenset[str]  # request fields sent (`model`, `limits.hourly`)


def read_coverage(report: Any, source: str) -> dict[str, Used]:
    """The one reader of the coverage format (`GET /__mock/coverage`, `mockserver coverage --format json`):
    `{"operations": {id: {"answers": {status: {"count": n}}, "sent": {"body.theme": n, "query.page": n}}}}`, and the
    shorter `{"answers": {status: n}, "fields": [...], "calls": n}`; operation id -> what was used."""
    operations = report.get("operations") if isinstance(report, dict) else None
    if not isinstance(operations, dict):
        raise CoverageError(f"{source}: not a coverage report (no 'operations' object)")
    out: dict[str, Used] = {}
    for op_id, entry in operations.items():
        if not isinstance(entry, dict):
            continue
        answers = entry.get("answers")
        counts = {str(k): _count(n) for k, n in answers.items()} if isinstance(answers, dict) else {}
        answered = {k for k, n in counts.items() if n}
        fields = {str(f) for f in entry.get("fields") or () if isinstance(f, str)}
        sent = entry.get("sent")
        for name in sent if isinstance(sent, dict) else ():  # "body.theme" names the body property `theme`
            fields.update((str(name), str(name).removeprefix("body.")))
        calls = entry.get("calls")
        count = calls if isinstance(calls, int) and not isinstance(calls, bool) else sum(counts.values())
        out[str(op_id)] = Used(count, frozenset(answered), frozenset(fields))
    return out


def _count(value: Any) -> int:
    """An answer's count: a number, or the report's `{"count": n, ...}`."""
    if isinstance(value, dict):
        value = value.get("count")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def load_coverage(path: str) -> dict[str, Used]:
    try:
        return read_coverage(json.loads(Path(path).read_text()), path)
    except OSError as exc:
        raise CoverageError(f"--coverage {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CoverageError(f"--coverage {path}: not JSON ({exc.msg}, line {exc.lineno})") from None


def fetch_coverage(base_url: str, timeout: float = 10.0) -> dict[str, Used]:
    import urllib.request  # only here: it pulls in http.client and ssl, which `serve` never needs

    url = base_url.rstrip("/") + "/__mock/coverage"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return read_coverage(json.loads(answer.read()), url)
    except (OSError, ValueError) as exc:
        if isinstance(exc, CoverageError):
            raise
        raise CoverageError(f"--url {url}: cannot read the coverage ({exc})") from None


def mark(changes: Iterable[Change], usage: Mapping[str, Used]) -> list[Change]:
    """Each change, with `used` saying how the tests touch it, when they do."""
    return [_marked(change, usage.get(change.operation_id)) for change in changes]


def _marked(change: Change, used: Used | None) -> Change:
    if used is None or not (used.calls or used.answers or used.fields):
        return change
    if change.status is not None:
        got = sorted(s for s in used.answers if _covers(change.status, s))
        if got:
            return replace(change, used=f"your tests get {', '.join(got)} answers", closeness=0)
        return replace(change, used=f"your tests call {change.operation_id}", closeness=2)
    if change.field is not None:
        sent = _sent(change.field, used.fields)
        if sent:
            return replace(change, used=f"your tests send `{sent}`", closeness=0)
        if change.kind == "default changed" or (change.klass == BREAKING and change.kind in _LEAVING_OUT):
            return replace(change, used=f"your tests call {change.operation_id} without `{change.field}`", closeness=1)
        return change
    return replace(change, used=f"your tests call {change.operation_id}", closeness=2)


def _covers(documented: str, answered: str) -> bool:
    documented = documented.upper()
    return documented in (answered, "DEFAULT") or (documented.endswith("XX") and answered[:1] == documented[:1])


def _sent(field: str, fields: frozenset[str]) -> str | None:
    """The field as the tests sent it: itself, or the top-level property it sits in (`limits` for `limits.hourly`)."""
    if field in fields:
        return field
    top = field.split(".", 1)[0].removesuffix("[]").removesuffix("{}")
    return top if top in fields else None
