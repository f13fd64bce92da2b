from __future__ import annotations

import httpx
import pytest

from mockserver.config import ConfigError, Settings, parse_ip_rate_limit
from mockserver.core.clock import Clock
from mockserver.mock import build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, T0, VALID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("30/minute", 30, id="minute"),
        pytest.param(" 5 / min ", 5, id="min"),
        pytest.param("1/m", 1, id="m"),
    ],
)
def test_ip_rate_limit_parses_n_per_minute(text: str, expected: int) -> None:
    assert parse_ip_rate_limit(text) == expected


@pytest.mark.parametrize(
    "text", [pytest.param(t, id=t or "empty") for t in ("", "0/minute", "5/hour", "x/minute", "5")]
)
def test_ip_rate_limit_refuses_anything_else(text: str) -> None:
    with pytest.raises(ConfigError, match="is not N/minute"):
        parse_ip_rate_limit(text)


async def test_each_address_gets_n_iframe_requests_a_minute_on_the_mocks_clock() -> None:
    mock = build_mock(Settings(clock=f"frozen:{T0}", ip_rate_limit=2))
    clock: Clock = mock.clock
    app = create_app(mock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.0.0.1", 1)), base_url="http://m"
    ) as a:
        key = (await a.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).json()["cache_key"]  # not limited
        assert (await a.get(f"/iframe/{key}/")).status_code == 200
        clock.advance(10)
        assert (await a.get(f"/api/v1/iframe/token/{key}")).status_code == 200
        page = await a.get(f"/iframe/{key}/")
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert page.headers["Retry-After"] == "50" and "--ip-rate-limit of 2/minute" in page.text
        messages = await a.get(f"/iframe/{key}/messages")
        assert messages.status_code == 429 and "10.0.0.1" in messages.json()["error"]
        assert (await a.post("/api/v1/iframe/create", json=VALID, headers=AUTH)).status_code == 200
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("10.0.0.2", 1)), base_url="http://m"
        ) as b:
            assert (await b.get(f"/iframe/{key}/")).status_code == 200
        clock.advance(50)
        assert (await a.get(f"/iframe/{key}/")).status_code == 200


async def test_a_new_session_does_not_reset_an_address_count() -> None:
    mock = build_mock(Settings(clock=f"frozen:{T0}", ip_rate_limit=2))
    transport = httpx.ASGITransport(app=create_app(mock), client=("10.0.0.3", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        answers = [
            (await client.get("/iframe/nope/", headers={"X-Mock-Session": f"s{n}"})).status_code for n in range(4)
        ]
    assert answers == [404, 404, 429, 429]
