from __future__ import annotations

import httpx

from mockserver.core.clock import Clock
from mockserver.server.endpoints.page import css_variables
from tests.conftest import AUTH, VALID


async def open_page(client: httpx.AsyncClient, body: dict[str, object]) -> httpx.Response:
    created = (await client.post("/api/v1/iframe/create", json=body, headers=AUTH)).json()
    return await client.get(f"/iframe/{created['cache_key']}/")


async def test_page_shows_what_the_token_grants(client: httpx.AsyncClient) -> None:
    body = {
        **VALID,
        "srcs": ["bigquery_tenant_a", "123"],
        "model": "sonnet-4.5",
        "knowledge_base_entries": ["Revenue is in cents"],
        "reference_queries": [{"title": "Top", "query": "select 1"}],
        "theme": {"theme_mode": "dark", "custom_css_vars": '{"--primary": "#ff0066"}', "start_message": "Hi!"},
    }
    page = await open_page(client, body)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    for shown in ("user-1", "sonnet-4.5", "bigquery_tenant_a", "Revenue is in cents", "select 1", "Hi!", "900 seconds"):
        assert shown in text
    assert 'class="dark"' in text and "--primary:#ff0066;" in text


async def test_everything_from_the_request_is_escaped(client: httpx.AsyncClient) -> None:
    evil = "<script>alert(1)</script>"
    page = await open_page(
        client, {**VALID, "uid": evil, "srcs": [evil], "theme": {"start_message": evil, "custom_css_vars": evil}}
    )
    assert "<script>" not in page.text
    assert page.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


async def test_page_headers_restrict_framing_and_scripts(client: httpx.AsyncClient) -> None:
    page = await open_page(client, VALID)
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    assert page.headers["cache-control"] == "no-store"


async def test_unknown_and_expired_links_say_so(client: httpx.AsyncClient, clock: Clock) -> None:
    unknown = await client.get("/iframe/not-a-key/")
    assert unknown.status_code == 404 and "No iframe link has this cache key" in unknown.text
    created = (await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 60}, headers=AUTH)).json()
    clock.advance(60)
    expired = await client.get(f"/iframe/{created['cache_key']}/")
    assert expired.status_code == 410 and "expired" in expired.text


def test_css_variables_accept_json_or_css_and_drop_the_unsafe() -> None:
    assert css_variables('{"--a": "#fff", "--b": "red; } body {"}') == {"--a": "#fff"}
    assert css_variables("--a: 1px; --b: url(x); color: red; --c: </style>") == {"--a": "1px", "--b": "url(x)"}
    assert css_variables(None) == {}


async def test_css_variables_nested_too_deep_for_json_are_dropped_not_a_500(client: httpx.AsyncClient) -> None:
    page = await open_page(client, {**VALID, "theme": {"custom_css_vars": "[" * 100_000}})
    assert page.status_code == 200
