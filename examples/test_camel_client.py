"""The example client, tested the three ways the mock offers: fuzzed answers, no socket, a real server."""

from __future__ import annotations

from typing import Any

import httpx
from camel_client import CamelError, IframeLink, create_iframe
from hypothesis import given

from mockserver import strategies
from mockserver.testing import MockHandle, transport


@given(answer=strategies.responses())
def test_every_answer_the_spec_allows_is_handled(answer: tuple[int, Any]) -> None:
    status, body = answer
    fake = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    with httpx.Client(transport=fake, base_url="https://api.camelai.com") as client:
        result = create_iframe(client, "user-1", ["123"])
    if 200 <= status < 300:
        assert result == IframeLink(body["iframe_url"], body["cache_key"], body["expires_in"])
    else:
        assert isinstance(result, CamelError) and result.status == status and result.message


def test_a_link_in_process() -> None:
    t = transport()
    with httpx.Client(transport=t, base_url=t.url, headers=t.handle.headers) as client:
        link = create_iframe(client, "user-1", ["123"], ttl=60)
    assert isinstance(link, IframeLink) and link.expires_in == 60 and link.url.endswith(f"/{link.cache_key}/")


def test_a_link_expires_on_the_mock_clock(camel_mock_fresh: MockHandle) -> None:
    with httpx.Client(base_url=camel_mock_fresh.url, headers=camel_mock_fresh.headers) as client:
        link = create_iframe(client, "user-1", ["123"], ttl=60)
        assert isinstance(link, IframeLink)
        assert client.get(link.url).status_code == 200
        camel_mock_fresh.clock.advance(60)
        assert client.get(link.url).status_code == 410


def test_a_rejected_request_says_why(camel_mock_fresh: MockHandle) -> None:
    with httpx.Client(base_url=camel_mock_fresh.url, headers=camel_mock_fresh.headers) as client:
        problem = create_iframe(client, "user-1", ["123"], ttl=59)
    assert problem == CamelError(400, "ttl: 59 is less than the minimum of 60")
