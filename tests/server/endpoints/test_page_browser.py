"""The iframe page in a real browser: a headless Chromium found on the machine (tests/services.py), driven by
Playwright.

`scripts/test` installs Debian's Chromium (apt) and the playwright package; no `playwright install`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, VALID
from tests.services import launch

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parents[3] / "artifacts"
START = "<script>window.pwned = 1</script> Ask me about orders"


@pytest.fixture
def host_page() -> Iterator[tuple[str, dict[str, str]]]:
    """A second server, another origin, whose page embeds the iframe URL set in `frame["src"]`."""
    frame: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                '<!doctype html><html><head><meta charset="utf-8"><title>host app</title></head><body>'
                f'<h1>Customer app</h1><iframe src="{frame["src"]}" width="800" height="700"></iframe>'
                "</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", frame
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_chat_box_in_an_iframe_sends_until_the_limit_and_shows_the_refusal(
    live: ThreadedServer, host_page: tuple[str, dict[str, str]]
) -> None:
    body = {**VALID, "model": "sonnet-4.5", "limits": {"hourly": 2}, "theme": {"start_message": START}}
    session = {"X-Mock-Session": "browser"}  # the iframe URL carries it: a browser cannot send the header
    created = httpx.post(f"{live.url}/api/v1/iframe/create", json=body, headers={**AUTH, **session}).json()
    url, frame = host_page
    frame["src"] = created["iframe_url"]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 800})
            page.goto(url)
            chat = page.frame_locator("iframe")
            expect(chat.locator("#start-message")).to_have_text(START)  # shown as text, never run
            expect(chat.locator("#limit-status")).to_have_text("2 of 2 messages left in the hourly window.")
            for n, question in enumerate(["Orders last week?", "And by region?"], start=1):
                chat.locator("#message").fill(question)
                chat.locator("button[type=submit]").click()
                expect(chat.locator("#thread li")).to_have_count(2 * n)
                expect(chat.locator("#thread li.assistant").last).to_contain_text("[sonnet-4.5]")
            expect(chat.locator("#limit-status")).to_have_text("0 of 2 messages left in the hourly window.")
            chat.locator("#message").fill("One more?")
            chat.locator("button[type=submit]").click()
            expect(chat.locator("#refusal")).to_contain_text("limits.hourly: uid 'user-1' has sent 2 of 2 messages")
            expect(chat.locator("#limit-status")).to_contain_text("0 messages left; retry in 3600 s")
            expect(chat.locator("#thread li")).to_have_count(4)
            assert page.frames[1].evaluate("typeof window.pwned") == "undefined"
            page.screenshot(path=str(ARTIFACTS / "iframe-chat-refused.png"), full_page=True)

            live.mock.clock.advance(900)  # the link's ttl: it has now expired
            chat.locator("#message").fill("Still there?")
            chat.locator("button[type=submit]").click()
            expect(chat.locator("#refusal")).to_have_text("This iframe link has expired. Ask the app for a new one.")
            expect(chat.locator("#chat-form")).to_be_hidden()
        finally:
            browser.close()
    journal = httpx.get(f"{live.url}/__mock/requests?path=/iframe/*", headers=session).json()["requests"]
    posted = [(e["status"], e["request"]["body"]) for e in journal if e["method"] == "POST"]
    assert [status for status, _ in posted] == [200, 200, 429, 410]
