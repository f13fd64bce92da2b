"""The placeholder iframe page that stands in for camelAI's chat."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockserver.core import limits
from mockserver.core.camelai import CAMELAI
from mockserver.core.limits import Decision
from mockserver.mock import Mock, mock_of
from mockserver.server.endpoints.api import seconds_left
from mockserver.server.endpoints.chat import thread_and_limit
from mockserver.server.sessions import link_query, session_of
from mockserver.store.base import Link

_CSS_NAME = re.compile(r"--[A-Za-z0-9_-]{1,64}")
_CSS_VALUE = re.compile(r"[^;{}<>\\\"'\n\r]{1,200}")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:var(--background,#fff);color:var(--text,#1a1a1a)}
body.dark{background:var(--background,#16181d);color:var(--text,#e8e8e8)}
h1{font-size:1.1rem;color:var(--primary,#c96d1a)} dt{font-weight:600} dd{margin:0 0 .5rem 0}
.start{border-left:4px solid var(--primary,#c96d1a);padding:.5rem;white-space:pre-wrap}
.gone,.refusal{color:#b00020} .refusal:empty{display:none}
#thread-title{font-size:1rem} #thread{list-style:none;padding:0} #thread li{margin:.25rem 0;white-space:pre-wrap}
#thread .user{font-weight:600} #chat input{width:70%}
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
    except (ValueError, RecursionError):  # any string is valid here: "[[[[…" nests deeper than json can follow
        pairs = [(part.partition(":")[0], part.partition(":")[2]) for part in raw.split(";") if ":" in part]
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


def limit_text(decision: Decision) -> str:
    info = limits.summary(decision, counted=False)
    if info is None:
        return "No message limits apply to this user."
    return f"{info['remaining']} of {info['limit']} messages left in the {info['window']} window."


def _chat(link: Link, title: str, messages: list[dict[str, Any]], decision: Decision, query: str) -> str:
    items = "".join(
        f'<li class="{escape(str(m.get("role")))}">{escape(str(m.get("role")))}: {escape(str(m.get("content")))}</li>'
        for m in messages
    )
    refused = "" if decision.allowed else limits.refusal(decision, link.claims["sub"])
    return f"""<section id="chat" aria-label="chat">
<h2 id="thread-title">{escape(title)}</h2>
<ul id="thread">{items}</ul>
<p class="refusal" id="refusal" role="alert">{escape(refused)}</p>
<p id="limit-status">{escape(limit_text(decision))}</p>
<form id="chat-form" method="post" action="messages{escape(query)}">
<input name="message" id="message" required maxlength="4000" autocomplete="off" aria-label="message">
<button type="submit">Send</button>
</form>
</section>
<script src="../../iframe-assets/chat.js"></script>"""


def render_page(
    link: Link,
    left: int,
    thread: dict[str, Any] | None,
    messages: list[dict[str, Any]],
    decision: Decision,
    query: str = "",
) -> str:
    """The page; `thread` is the uid's chat thread (None before its first message, or once deleted)."""
    c, f = link.claims, CAMELAI.create
    theme: dict[str, str] = c.get(f.theme) or {}
    mode = theme.get("theme_mode", "light")
    variables = css_variables(theme.get("custom_css_vars"))
    style = "".join(f"{name}:{value};" for name, value in variables.items())
    start = theme.get("start_message") or "Your data is connected. Ask me anything!"
    theme_text = f"{f.theme_id} {c[f.theme_id]}" if f.theme_id in c else f"mode {mode}"
    # A document from before response modes (camelAI's 2025 one) grants none: the row goes.
    response_mode = (
        f"<dt>Response mode</dt><dd>{escape(str(c[f.response_mode]))}</dd>\n" if f.response_mode in c else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>camelAI (mock) - {escape(c["sub"])}</title>
<style>{_STYLE}</style></head>
<body class="{"dark" if mode == "dark" else "light"}" style="{escape(style)}" data-cache-key="{escape(link.cache_key)}">
<h1>camelAI analytics (mock)</h1>
<p class="start" id="start-message">{escape(start)}</p>
<dl>
<dt>User</dt><dd id="uid">{escape(c["sub"])}</dd>
<dt>Model</dt><dd id="model">{escape(c[f.model])}</dd>
<dt>Sources</dt>{_list(c[f.sources])}
<dt>Theme</dt><dd id="theme">{escape(theme_text)}</dd>
<dt>CSS variables applied</dt>{_list([f"{k}: {v}" for k, v in variables.items()])}
{response_mode}<dt>Knowledge-base entries</dt>{_list(c.get(f.knowledge_base, []))}
<dt>Reference queries</dt>{_list(c.get(f.reference_queries, []))}
<dt>Expires in</dt><dd id="expires-in">{left} seconds</dd>
</dl>
{_chat(link, str((thread or {}).get(CAMELAI.threads.title_field) or "New conversation"), messages, decision, query)}
</body></html>
"""


def _gone_page(text: str) -> str:
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
    now = mock.clock.now()
    session = session_of(request)
    lookup = await mock.store.get_link(session, request.path_params["cache_key"], now)
    found = lookup.link
    headers = page_headers(mock)
    if found is None:
        if lookup.expired:
            return HTMLResponse(_gone_page("This iframe link has expired. Ask the app for a new one."), 410, headers)
        return HTMLResponse(_gone_page("No iframe link has this cache key."), 404, headers)
    uid = request.state.uid = found.claims["sub"]
    thread, messages, decision = await thread_and_limit(mock, session, uid, now)
    page = render_page(found, seconds_left(found, now), thread, messages, decision, link_query(session))
    return HTMLResponse(page, headers=headers)
