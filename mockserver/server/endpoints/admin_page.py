"""`GET /__mock/`: the journal (newest first), the clock and the live links, for a person to read; with
`?view=coverage`, the contract coverage as a grid (operations by documented answers, coloured by count), which the
browser reloads every two seconds (a meta refresh: the page runs no script, so its CSP stays `default-src 'none'`)."""

from __future__ import annotations

from html import escape
from typing import Any

from mockserver.store.base import Link

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:1rem} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
.s2{color:#17692b} .s3{color:#1a5fb4} .s4{color:#a35200} .s5,.none{color:#b00020;font-weight:600}
.errors{color:#b00020;margin:0;padding-left:1rem} code{font-size:.85rem}
"""


def status_class(status: int | None) -> str:
    return f"s{status // 100}" if status else "none"


def _row(entry: dict[str, Any]) -> str:
    status = entry.get("status")
    errors = entry.get("errors") or ([entry["error"]] if entry.get("error") else [])
    listed = "".join(f"<li>{escape(str(e))}</li>" for e in errors)
    query = f"?{entry['query']}" if entry.get("query") else ""
    return (
        f"<tr><td>{escape(str(entry.get('time')))}</td>"
        f'<td class="{status_class(status)}">{escape(str(status or entry.get("outcome")))}</td>'
        f"<td>{escape(str(entry.get('method')))} <code>{escape(str(entry.get('path')) + query)}</code></td>"
        f"<td>{escape(str(entry.get('operation') or ''))}</td><td>{escape(str(entry.get('uid') or ''))}</td>"
        f'<td><ul class="errors">{listed}</ul></td></tr>'
    )


def render(session: str, clock: dict[str, Any], entries: list[dict[str, Any]], links: list[Link], now: float) -> str:
    rows = "".join(_row(e) for e in reversed(entries)) or '<tr><td colspan="6">No requests yet.</td></tr>'
    live = (
        "".join(
            f"<tr><td><code>{escape(link.cache_key)}</code></td><td>{escape(str(link.claims.get('sub')))}</td>"
            f"<td>{escape(str(link.claims.get('model')))}</td><td>{int(link.expires_at - now)} s</td></tr>"
            for link in links
        )
        or '<tr><td colspan="4">No live links.</td></tr>'
    )
    frozen = " (frozen)" if clock["frozen"] else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>camelAI mock - journal</title><style>{_STYLE}</style></head>
<body><h1>camelAI mock</h1>
<p>Session <code>{escape(session)}</code>; the mock's clock reads <time id="now">{escape(clock["now"])}</time>{frozen}.
The JSON behind this page: <code>GET /__mock/requests</code>, <code>GET /__mock/clock</code>.</p>
<h2>Live links</h2>
<table id="links"><tr><th>cache key</th><th>uid</th><th>model</th><th>expires in</th></tr>{live}</table>
<h2>Requests, newest first</h2>
<table id="journal"><tr><th>time</th><th>status</th><th>request</th><th>operation</th><th>uid</th><th>errors</th></tr>
{rows}</table>
</body></html>
"""


REFRESH_SECONDS = 2
_GRID_STYLE = """
.grid td{text-align:center;min-width:3.2rem;font-variant-numeric:tabular-nums}
.c0{background:#f8d7da} .c1{background:#d8f3dc} .c2{background:#95d5b2} .c3{background:#52b788;color:#fff}
.na{background:#f1f1f1;color:#aaa} .hints{font-size:.85rem} .hints code{background:#f6f6f6}
"""


def _shade(count: int) -> str:
    return "c0" if count == 0 else "c1" if count < 3 else "c2" if count < 10 else "c3"


def render_coverage(session: str, report: dict[str, Any]) -> str:
    """The coverage report (spec/coverage_report.py) as a grid: a row per operation (those called first), a column
    per documented status key; a cell's title holds the ways to get an answer not received."""
    operations: dict[str, Any] = report["operations"]
    keys = sorted({k for o in operations.values() for k in o["answers"]}, key=lambda k: (not k[0].isdigit(), k))
    head = "".join(f"<th>{escape(k)}</th>" for k in keys)
    rows = []
    for op, o in sorted(operations.items(), key=lambda item: not item[1]["called"]):
        cells = []
        for key in keys:
            answer = o["answers"].get(key)
            if answer is None:
                cells.append('<td class="na">-</td>')
                continue
            title = escape("\n".join(answer.get("hints", [])), quote=True)
            cells.append(f'<td class="{_shade(answer["count"])}" title="{title}">{answer["count"]}</td>')
        share = f"{o['coverage'] * 100:.0f}%"
        rows.append(
            f'<tr data-operation="{escape(op, quote=True)}"><th><code>{escape(op)}</code></th><td>{share}</td>'
            f"{''.join(cells)}</tr>"
        )
    hints = "".join(
        f"<li><code>{escape(i['operation'])}</code> {escape(i['answer'])}: "
        + " or ".join(f"<code>{escape(h)}</code>" for h in i["hints"])
        + "</li>"
        for i in report["on_request"]
    )
    breaches = "".join(
        f"<li><code>{escape(b['operation'])}</code> <code>{escape(b['field'])}</code>: {escape(b['rule'])} "
        f"&times;{b['count']} (first at {escape(str(b['first_seen']))}: "
        f"<a href='/__mock/requests?id={escape(str(b['first_request']))}'>{escape(str(b['first_request']))}</a>)</li>"
        for b in report["breaches"]
    )
    total = f"{report['coverage'] * 100:.1f}%"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>camelAI mock - contract coverage</title><style>{_STYLE}{_GRID_STYLE}</style></head>
<body><h1>Contract coverage: <span id="total">{total}</span></h1>
<p>{report["covered"]} of {report["documented"]} documented answers received, every session together (session
<code>{escape(session)}</code> is viewing). Reloads every {REFRESH_SECONDS} s. The JSON behind this page:
<code>GET /__mock/coverage</code>; the journal: <code>GET /__mock/</code>.</p>
<table id="coverage" class="grid"><tr><th>operation</th><th>covered</th>{head}</tr>{"".join(rows)}</table>
<h2>Answers the mock gives only when asked</h2><ul class="hints" id="hints">{hints or "<li>none missing</li>"}</ul>
<h2>Contract breaches</h2><ul id="breaches">{breaches or "<li>none</li>"}</ul>
</body></html>
"""
