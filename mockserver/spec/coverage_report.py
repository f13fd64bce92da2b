"""The coverage report (issue 20): which documented answers a client received, from the counters (spec/coverage.py).

Pure functions: `report()` builds the JSON that `GET /__mock/coverage` serves (its shape is documented in
admin.openapi.yaml, `CoverageReport`), and `render()` writes it as text, markdown (a pull-request comment), HTML or
JUnit XML (one test case per documented answer). Coverage is the share of documented answers (status keys as
documented) the client received at least once, per operation and in total.
"""

from __future__ import annotations

import fnmatch
import html
import json
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from mockserver.core.clock import format_time
from mockserver.core.coverage import Tally
from mockserver.spec.coverage import OperationPlan

FORMATS = ("text", "markdown", "json", "html", "junit")


def report(plans: Mapping[str, OperationPlan], tally: Tally, operations: str | None = None) -> dict[str, Any]:
    """The report of `tally` over the operations of `plans` whose id matches the glob `operations` (all: None)."""
    chosen = {op: plan for op, plan in plans.items() if operations is None or fnmatch.fnmatchcase(op, operations)}
    served: dict[str, dict[str, dict[str, int]]] = {}  # op -> answer -> variant -> count
    refused: dict[str, dict[str, int]] = {}
    sent: dict[str, dict[str, int]] = {}
    breaches: list[dict[str, Any]] = []
    upstream: list[dict[str, Any]] = []
    for key, n in sorted(tally.counts.items()):
        op = key[1]
        if op not in chosen:
            continue
        if key[0] == "a":
            served.setdefault(op, {}).setdefault(key[2], {})[key[3]] = n
        elif key[0] == "r":
            refused.setdefault(op, {})[key[2]] = n
        elif key[0] == "s":
            sent.setdefault(op, {})[key[2]] = n
        elif key[0] == "v":
            upstream.append({"operation": op, "field": key[2], "rule": key[3], "count": n})
        elif key[0] == "b":
            first = tally.first.get(key)
            breaches.append(
                {
                    "operation": op,
                    "field": key[2],
                    "rule": key[3],
                    "count": n,
                    "first_seen": format_time(first[0]) if first is not None else None,
                    "first_request": first[1] if first is not None else None,
                }
            )
    out_ops: dict[str, Any] = {}
    documented = covered = 0
    on_request: list[dict[str, Any]] = []
    for op, plan in chosen.items():
        answers: dict[str, Any] = {}
        got = served.get(op, {})
        for status in plan.answers:
            variants = got.get(status, {})
            count = sum(variants.values())
            answers[status] = {"count": count, "variants": {v or "plain": c for v, c in variants.items()}}
            if count == 0:
                answers[status]["hints"] = list(plan.hints.get(status, ()))
                if status in plan.on_request:
                    on_request.append({"operation": op, "answer": status, "hints": answers[status]["hints"]})
        hit = sum(1 for a in answers.values() if a["count"])
        documented += len(answers)
        covered += hit
        called = bool(got) or op in refused or op in sent
        if not called:  # listed apart, in `not_called`
            on_request = [item for item in on_request if item["operation"] != op]
        out_ops[op] = {
            "method": plan.method,
            "path": plan.path,
            "called": called,
            "documented": len(answers),
            "covered": hit,
            "coverage": _share(hit, len(answers)),
            "answers": answers,
            "undocumented": {k: sum(v.values()) for k, v in got.items() if k not in answers},
            "refusals": refused.get(op, {}),
            "sent": sent.get(op, {}),
        }
    return {
        "coverage": _share(covered, documented),
        "documented": documented,
        "covered": covered,
        "operations_glob": operations,
        "operations": out_ops,
        "not_called": [op for op, o in out_ops.items() if not o["called"]],
        "on_request": on_request,
        "breaches": breaches,
        "upstream_violations": upstream,
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def render(data: dict[str, Any], form: str) -> str:
    """The report in `form` (one of FORMATS)."""
    if form == "json":
        return json.dumps(data, indent=2) + "\n"
    return {"text": _text, "markdown": _markdown, "html": _html, "junit": _junit}[form](data)


def _called(data: dict[str, Any]) -> dict[str, Any]:
    return {op: o for op, o in data["operations"].items() if o["called"]}


def _text(data: dict[str, Any]) -> str:
    lines = ["camelAI mock: contract coverage (documented answers received)", ""]
    width = max([len(op) for op in data["operations"]] + [9])
    lines.append(f"{'operation'.ljust(width)}  answers  cover  missing")
    for op, o in _called(data).items():
        missing = ", ".join(k for k, a in o["answers"].items() if not a["count"]) or "-"
        lines.append(
            f"{op.ljust(width)}  {o['covered']:>3}/{o['documented']:<3}  {percent(o['coverage']):>5}  {missing}"
        )
    lines.append(
        f"{'TOTAL'.ljust(width)}  {data['covered']:>3}/{data['documented']:<3}  {percent(data['coverage']):>5}"
    )
    if data["not_called"]:
        lines += ["", f"never called ({len(data['not_called'])}): " + ", ".join(data["not_called"])]
    if data["on_request"]:
        lines += ["", "answers the mock gives only when asked:"]
        for item in data["on_request"]:
            lines.append(f"  {item['operation']} {item['answer']}: {item['hints'][0]}")
            lines += [f"      or {hint}" for hint in item["hints"][1:]]
    if data["breaches"]:
        lines += ["", "contract breaches (requests the document refuses):"]
        for b in data["breaches"]:
            lines.append(f"  {b['operation']} {b['field']}: {b['rule']} ×{b['count']} (first {_first(b)})")
    if data.get("upstream_violations"):
        lines += ["", "the real API's answers that break the document (through mockserver proxy):"]
        lines += [f"  {v['operation']} {v['field']}: {v['rule']} ×{v['count']}" for v in data["upstream_violations"]]
    return "\n".join(lines) + "\n"


def _first(breach: dict[str, Any]) -> str:
    """Where to find a breach's first request: its time, and its journal id (`GET /__mock/requests?id=...` while
    the journal still holds it)."""
    return f"at {breach['first_seen']}, journal id {breach['first_request']}"


def _markdown(data: dict[str, Any]) -> str:
    lines = [
        f"### Contract coverage: {percent(data['coverage'])} ({data['covered']}/{data['documented']} documented answers)",
        "",
        "| operation | covered | answers received | not received |",
        "| --- | --- | --- | --- |",
    ]
    for op, o in _called(data).items():
        got = ", ".join(f"`{k}` ×{a['count']}" for k, a in o["answers"].items() if a["count"]) or "-"
        missing = ", ".join(f"`{k}`" for k, a in o["answers"].items() if not a["count"]) or "-"
        lines.append(f"| `{op}` | {percent(o['coverage'])} | {got} | {missing} |")
    if data["not_called"]:
        lines += ["", "**Never called:** " + ", ".join(f"`{op}`" for op in data["not_called"])]
    if data["on_request"]:
        lines += ["", "**Answers the mock gives only when asked:**", ""]
        lines += [f"- `{i['operation']}` {i['answer']}: `{i['hints'][0]}`" for i in data["on_request"]]
    if data["breaches"]:
        lines += [
            "",
            "**Contract breaches:**",
            "",
            "| operation | field | rule | count | first request |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{b['operation']}` | `{b['field']}` | {b['rule']} | {b['count']} | {_first(b)} |"
            for b in data["breaches"]
        ]
    return "\n".join(lines) + "\n"


def _html(data: dict[str, Any]) -> str:
    rows = []
    for op, o in data["operations"].items():
        cells = "".join(
            f"<td class='{'hit' if a['count'] else 'miss'}' title='{html.escape(' | '.join(a.get('hints', [])))}'>"
            f"{html.escape(k)} ×{a['count']}</td>"
            for k, a in o["answers"].items()
        )
        rows.append(f"<tr><th>{html.escape(op)}</th><td>{percent(o['coverage'])}</td>{cells}</tr>")
    breaches = "".join(
        f"<li>{html.escape(b['operation'])} <code>{html.escape(b['field'])}</code>: {html.escape(b['rule'])} "
        f"×{b['count']} (first {html.escape(_first(b))})</li>"
        for b in data["breaches"]
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>Contract coverage</title>"
        "<style>td.hit{background:#b7e4c7}td.miss{background:#f8d7da}td,th{padding:2px 6px;text-align:left}</style>"
        f"<h1>Contract coverage: {percent(data['coverage'])}</h1><table>{''.join(rows)}</table>"
        f"<h2>Contract breaches</h2><ul>{breaches or '<li>none</li>'}</ul>\n"
    )


def _junit(data: dict[str, Any]) -> str:
    cases = []
    failures = 0
    for op, o in data["operations"].items():
        for key, a in o["answers"].items():
            name = quoteattr(f"{op} {key}")
            if a["count"]:
                cases.append(f"<testcase classname={quoteattr(op)} name={name}/>")
            else:
                failures += 1
                hint = escape("\n".join(a.get("hints", [])))
                cases.append(
                    f"<testcase classname={quoteattr(op)} name={name}>"
                    f"<failure message='documented answer never received'>{hint}</failure></testcase>"
                )
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        f"<testsuite name='contract coverage' tests='{len(cases)}' failures='{failures}'>\n"
        + "\n".join(cases)
        + "\n</testsuite>\n"
    )
