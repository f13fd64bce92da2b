"""The placeholder iframe page that stands in for camelAI's chat."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .api import seconds_left
from .mock import Mock, mock_of, session_of
from .store import EXPIRED, Link

_CSS_NAME = re.compile(r"--[A-Za-z0-9_-]{1,64}")
_CSS_VALUE = re.compile(r"[^;{}<>\\\"'\n\r]{1,200}")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:var(--background,#fff);color:var(--text,#1a1a1a)}
body.dark{background:var(--background,#16181d);color:var(--text,#e8e8e8)}
h1{font-size:1.1rem;color:var(--primary,#c96d1a)} dt{font-weight:600} dd{margin:0 0 .5rem 0}
.start{border-left:4px solid var(--primary,#c96d1a);padding:.5rem;white-space:pre-wrap}
.gone{color:#b00020}
"""


def css_variables(raw: str | None) -> dict[str, str]:
    """`custom_css_vars` as JSON (`{"--primary": "#f00"}`) or CSS (`--primary: #f00; ...`);
    entries that are not a safe custom property are dropped, never injected."""
    if not raw:
        return {}
    pairs: list[tuple[Any, Any]]
    try:
        parsed = json.loads(raw)
        pairs = list(parsed.items()) if isinstance(parsed, dict) else []
    except ValueError:
        pairs = [(part.split(":", 1)[0], part.split(":", 1)[1]) for part in raw.split(";") if ":" in part]
    out = {}
    for name, value in pairs:
        name, value = str(name).strip(), str(value).strip()
        if _CSS_NAME.fullmatch(name) and _CSS_VALUE.fullmatch(value):
            out[name] = value
    return out


def _list(items: list[Any]) -> str:
    if not items:
        return "<dd>none</dd>"
    return "".join(
        f"<dd>{escape(str(i) if isinstance(i, str) else json.dumps(i, ensure_ascii=False))}</dd>" for i in items
    )


def render_page(link: Link, left: int) -> str:
    c = link.claims
    theme: dict[str, str] = c.get("theme") or {}
    mode = theme.get("theme_mode", "light")
    variables = css_variables(theme.get("custom_css_vars"))
    style = "".join(f"{name}:{value};" for name, value in variables.items())
    start = theme.get("start_message") or "Your data is connected. Ask me anything!"
    theme_text = f"theme_id {c['theme_id']}" if "theme_id" in c else f"mode {mode}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>camelAI (mock) - {escape(c["sub"])}</title>
<style>{_STYLE}</style></head>
<body class="{"dark" if mode == "dark" else "light"}" style="{escape(style)}" data-cache-key="{escape(link.cache_key)}">
<h1>camelAI analytics (mock)</h1>
<p class="start" id="start-message">{escape(start)}</p>
<dl>
<dt>User</dt><dd id="uid">{escape(c["sub"])}</dd>
<dt>Model</dt><dd id="model">{escape(c["model"])}</dd>
<dt>Sources</dt>{_list(c["srcs"])}
<dt>Theme</dt><dd id="theme">{escape(theme_text)}</dd>
<dt>CSS variables applied</dt>{_list([f"{k}: {v}" for k, v in variables.items()])}
<dt>Response mode</dt><dd>{escape(c["response_mode"])}</dd>
<dt>Knowledge-base entries</dt>{_list(c["knowledge_base_entries"])}
<dt>Reference queries</dt>{_list(c["reference_queries"])}
<dt>Expires in</dt><dd id="expires-in">{left} seconds</dd>
</dl>
</body></html>
"""


def _gone_page(status: int, text: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>camelAI (mock)</title>'
        f"<style>{_STYLE}</style></head><body><h1>camelAI analytics (mock)</h1>"
        f'<p class="gone" id="gone">{escape(text)}</p></body></html>'
    )


def page_headers(mock: Mock) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
            f"form-action 'self'; frame-ancestors {mock.settings.frame_ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }


async def iframe_page(request: Request) -> Response:
    mock = mock_of(request)
    request.state.operation = "mock_iframe_page_retrieve"
    now = mock.clock.now()
    found = await mock.store.get_link(session_of(request), request.path_params["cache_key"], now)
    headers = page_headers(mock)
    if found is EXPIRED:
        return HTMLResponse(_gone_page(410, "This iframe link has expired. Ask the app for a new one."), 410, headers)
    if not isinstance(found, Link):
        return HTMLResponse(_gone_page(404, "No iframe link has this cache key."), 404, headers)
    request.state.uid = found.claims["sub"]
    return HTMLResponse(render_page(found, seconds_left(found, now)), headers=headers)
