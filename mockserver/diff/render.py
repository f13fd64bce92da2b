"""A report as text (the terminal), Markdown (a pull-request comment), JSON and an HTML page."""

from __future__ import annotations

import html
import json
from typing import Any

from mockserver.diff.model import ABSENT, CLASSES, Change, Report

FORMATS = ("text", "markdown", "json", "html")
_TITLES = {"breaking": "Breaking", "behaviour": "Behaviour", "additive": "Additive"}


def render(report: Report, form: str) -> str:
    return {"text": text, "markdown": markdown, "json": as_json, "html": page}[form](report)


def shown(value: Any) -> str:
    """An old or new value, short: `—` where the thing is not there."""
    if value is ABSENT:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _summary(report: Report) -> str:
    counts = ", ".join(f"{report.count(k)} {k}" for k in CLASSES)
    used = sum(1 for c in report.changes if c.used)
    return f"{len(report.changes)} changes ({counts})" + (f"; {used} touch what your tests use" if used else "")


def _line(change: Change) -> str:
    return f"{change.where}: {change.kind} ({shown(change.old)} → {shown(change.new)}); {change.why}"


def text(report: Report, classes: tuple[str, ...] = CLASSES) -> str:
    """The report for a terminal; only the changes of `classes` are listed (the summary counts them all)."""
    out = [f"mockserver diff {report.old} → {report.new}: {_summary(report)}"]
    used = [c for c in report.changes if c.used and c.klass in classes]
    if used:
        out += ["", "Touching what your tests use:"]
        out += [f"  [{c.klass}] {c.used}: {_line(c)}" for c in used]
    for klass in classes:
        rest = [c for c in report.changes if c.klass == klass and not c.used]
        if rest:
            out += ["", f"{_TITLES[klass]} ({len(rest)}):"]
            out += [f"  {_line(c)}" for c in rest]
    return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    out = [f"### API changes: `{report.old}` → `{report.new}`", "", _summary(report) + "."]
    used = [c for c in report.changes if c.used]
    if used:
        out += ["", "**Touching what your tests use**", ""]
        out += [f"- **{c.klass}**: {c.used}: `{c.where}`, {c.kind}; {c.why}" for c in used]
    for klass in CLASSES:
        changes = [c for c in report.changes if c.klass == klass]
        if not changes:
            continue
        out += ["", f"#### {_TITLES[klass]} ({len(changes)})", "", "| where | change | old | new | why |"]
        out.append("| --- | --- | --- | --- | --- |")
        out += [
            "| " + " | ".join(_cell(x) for x in (f"`{c.where}`", c.kind, shown(c.old), shown(c.new), c.why)) + " |"
            for c in changes
        ]
    return "\n".join(out) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(report.as_json(), indent=2, default=str) + "\n"


_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
    ".breaking{background:#fde8e8}.behaviour{background:#fff6d6}.additive{background:#e8f6ea}code{font-size:13px}"
)


def page(report: Report) -> str:
    e = html.escape
    rows = "".join(
        f'<tr class="{c.klass}"><td>{e(c.klass)}</td><td><code>{e(c.where)}</code></td><td>{e(c.kind)}</td>'
        f"<td>{e(shown(c.old))}</td><td>{e(shown(c.new))}</td><td>{e(c.why)}</td><td>{e(c.used or '')}</td></tr>"
        for c in report.changes
    )
    warnings = "".join(f"<li>{e(name)}: {e(w)}</li>" for name, found in report.warnings.items() for w in found)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API changes</title>'
        f"<style>{_STYLE}</style></head><body><h1>API changes: <code>{e(report.old)}</code> → "
        f"<code>{e(report.new)}</code></h1><p>{e(_summary(report))}</p>"
        "<table><thead><tr><th>class</th><th>where</th><th>change</th><th>old</th><th>new</th><th>why</th>"
        f"<th>your tests</th></tr></thead><tbody>{rows}</tbody></table>"
        + (f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else "")
        + "</body></html>\n"
    )
