from __future__ import annotations

import httpx
import pytest

from mockserver.testing.repro import curl, describe, explain


def exchange() -> httpx.Response:
    request = httpx.Request(
        "POST",
        "http://mock.test/api/v1/iframe/create",
        json={"uid": "o'neil", "srcs": []},
        headers={"Authorization": "Bearer sk-secret-key"},
    )
    return httpx.Response(400, json={"error": "ttl: 59 is less than the minimum of 60"}, request=request)


def test_curl_replays_the_request_without_printing_the_key() -> None:
    line = curl(exchange().request)
    assert line == (
        "curl -sS -X POST http://mock.test/api/v1/iframe/create"
        " -H \"authorization: Bearer $CAMEL_API_KEY\" -H 'content-type: application/json'"
        ' --data-binary \'{"uid":"o\'"\'"\'neil","srcs":[]}\''
    )


def test_describe_shows_request_response_and_curl() -> None:
    text = describe(exchange())
    assert "request:  POST http://mock.test/api/v1/iframe/create" in text
    assert "response: 400 Bad Request" in text
    assert '{"error":"ttl: 59 is less than the minimum of 60"}' in text
    assert "reproduce: curl -sS -X POST" in text
    assert "sk-secret-key" not in text


def test_explain_adds_the_exchange_to_a_failed_assertion() -> None:
    r = exchange()
    with pytest.raises(AssertionError) as caught, explain(r):
        assert r.status_code == 200, "not created"
    assert str(caught.value).startswith("not created")
    assert "reproduce: curl" in str(caught.value)


def test_explain_leaves_other_errors_alone() -> None:
    with pytest.raises(KeyError), explain(exchange()):
        raise KeyError("x")
