"""`GET /__mock/`: the journal (newest first), the clock and the live links, for a person to read."""

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
