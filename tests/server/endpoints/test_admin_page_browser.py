"""The admin page's coverage view (`/__mock/?view=coverage`) in a real browser: Debian's Chromium, driven by
Playwright, as tests/server/endpoints/test_page_browser.py drives the iframe page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, VALID
from tests.services import launch

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parents[3] / "artifacts"


def test_the_coverage_grid_colours_answers_by_count_and_follows_the_tests(live: ThreadedServer) -> None:
    create = f"{live.url}/api/v1/iframe/create"
    assert httpx.post(create, json=VALID, headers=AUTH).status_code == 200
    assert httpx.post(create, json={**VALID, "ttl": 5}, headers=AUTH).status_code == 400
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"{live.url}/__mock/?view=coverage")
            row = page.locator('tr[data-operation="iframe_create_create"]')
            cells = row.locator("td")
            expect(cells.nth(0)).to_have_text("29%")  # 2 of its 7 documented answers
            ok, refused = row.locator("td.c1"), row.locator("td.c0")
            expect(ok).to_have_count(2)
            expect(refused).to_have_count(5)
            expect(refused.first).to_have_attribute(
                "title",
                "call POST /api/v1/iframe/create without credentials\n"
                "Prefer: code=401\n"
                'POST /__mock/faults {"path": "/api/v1/iframe/create", "method": "POST", "status": 401}\n'
                "camel_mock.faults.add('/api/v1/iframe/create', method='POST', status=401)",
            )
            expect(page.locator("#hints")).to_contain_text("Prefer: code=429")
            expect(page.locator("#breaches")).to_contain_text("body.ttl: minimum")
            page.screenshot(path=str(ARTIFACTS / "admin-coverage.png"), full_page=True)
            # The page reloads itself while tests run: a 429 asked for with Prefer shows up without a click.
            assert httpx.post(create, json=VALID, headers={**AUTH, "Prefer": "code=429"}).status_code == 429
            expect(cells.nth(0)).to_have_text("43%", timeout=10_000)
            expect(page.locator("#hints")).not_to_contain_text("code=429")
        finally:
            browser.close()
