"""The handle's journal and fault helpers, over real requests through the in-process transport."""

from __future__ import annotations

import httpx
import pytest

from mockserver.server.middleware.faults import MAX_QUEUED_FAULTS
from mockserver.testing.handle import MockHandle
from mockserver.testing.in_process import InProcessTransport, default_settings, transport
from tests.conftest import SPEC_2025


@pytest.fixture
def mock_transport() -> InProcessTransport:
    return transport()


@pytest.fixture
def handle(mock_transport: InProcessTransport) -> MockHandle:
    h = mock_transport.handle
    with httpx.Client(transport=mock_transport, base_url="http://mock.test", headers=h.headers) as client:
        assert client.post("/api/v1/iframe/create", json={"uid": "u", "srcs": []}).status_code == 200
        assert client.post("/api/v1/iframe/create", json={"uid": "u"}).status_code == 400
        assert client.get("/.well-known/jwks.json").status_code == 200
    return h


def test_journal_reads_the_session_entries_in_order(handle: MockHandle) -> None:
    journal = handle.requests
    assert len(journal) == 3
    assert [e["status"] for e in journal] == [200, 400, 200]
    assert journal.last is not None and journal.last["operation"] == "mock_jwks_retrieve"
    assert journal.count("iframe_create_create") == 2
    assert journal.count("POST /api/v1/iframe/create") == 2
    assert journal.called("mock_jwks_retrieve") and not journal.called("mock_iframe_page_retrieve")


def test_a_retry_after_a_queued_fault_counts_both_calls(mock_transport: InProcessTransport) -> None:
    # The natural retry test: queue a 503, call, retry; the faulted call is journaled under its operation too.
    handle = mock_transport.handle
    handle.faults.add("/api/v1/iframe/create", status=503)
    with httpx.Client(transport=mock_transport, base_url="http://mock.test", headers=handle.headers) as client:
        statuses = [client.post("/api/v1/iframe/create", json={"uid": "u", "srcs": []}).status_code for _ in range(2)]
    assert statuses == [503, 200]
    assert [e["status"] for e in handle.requests.assert_called("iframe_create_create", times=2)] == [503, 200]


def test_assert_called_checks_the_count_and_lists_the_journal_when_wrong(handle: MockHandle) -> None:
    assert len(handle.requests.assert_called("iframe_create_create", times=2)) == 2
    handle.requests.assert_called("iframe_create_create")
    handle.requests.assert_not_called("mock_iframe_page_retrieve")
    with pytest.raises(AssertionError) as caught:
        handle.requests.assert_called("iframe_create_create", times=1)
    assert str(caught.value) == (
        "expected iframe_create_create 1 time(s), found 2; the journal:\n"
        "  POST /api/v1/iframe/create -> 200 (iframe_create_create)\n"
        "  POST /api/v1/iframe/create -> 400 (iframe_create_create)\n"
        "  GET /.well-known/jwks.json -> 200 (mock_jwks_retrieve)"
    )
    with pytest.raises(AssertionError, match="expected mock_iframe_page_retrieve at least once, found 0"):
        handle.requests.assert_called("mock_iframe_page_retrieve")


def test_entries_carry_the_errors_and_never_the_key(handle: MockHandle) -> None:
    refused = handle.requests[1]
    assert refused["errors"] == ["srcs: is required but missing"]
    assert refused["request"]["headers"]["authorization"] == "[redacted]"
    assert handle.api_key not in str(handle.requests.entries())


def test_clear_and_reset_empty_the_journal(handle: MockHandle, mock_transport: InProcessTransport) -> None:
    handle.requests.clear()
    assert len(handle.requests) == 0
    with httpx.Client(transport=mock_transport, base_url="http://mock.test") as client:
        client.get("/.well-known/jwks.json")
    assert len(handle.requests) == 1
    handle.reset()
    assert handle.requests.last is None


def test_a_queued_fault_is_served_then_the_mock_answers_normally(mock_transport: InProcessTransport) -> None:
    handle = mock_transport.handle
    handle.faults.add("/api/v1/iframe/create", status=503, body={"error": "down"}, count=1)
    with httpx.Client(transport=mock_transport, base_url="http://mock.test", headers=handle.headers) as client:
        first = client.post("/api/v1/iframe/create", json={"uid": "u", "srcs": []})
        second = client.post("/api/v1/iframe/create", json={"uid": "u", "srcs": []})
    assert (first.status_code, first.json()) == (503, {"error": "down"})
    assert second.status_code == 200
    assert len(handle.faults) == 0


def test_faults_are_queued_listed_and_cleared() -> None:
    handle = transport().handle
    added = handle.faults.add("/api/v1/iframe/create", status=503, body={"error": "down"}, count=2)
    assert added == {"path": "/api/v1/iframe/create", "count": 2, "status": 503, "body": {"error": "down"}}
    handle.faults.add(delay=1.5)
    assert [f.get("status") for f in handle.faults] == [503, None]
    assert len(handle.for_session("other").faults) == 0
    handle.faults.clear()
    assert len(handle.faults) == 0
    with pytest.raises(ValueError, match="count: 0 is less than the minimum of 1"):
        handle.faults.add(status=503, count=0)
    with pytest.raises(ValueError, match="status: 700"):
        handle.faults.add(status=700)  # refused here exactly as POST /__mock/faults refuses it


def test_the_handle_refuses_faults_past_the_caps_as_the_admin_api_does() -> None:
    handle = transport().handle
    with pytest.raises(ValueError, match=r"body: 65537 bytes as JSON, more than the 65536 \(64 KiB\)"):
        handle.faults.add(body={"error": "x" * (65537 - 12)})
    for _ in range(MAX_QUEUED_FAULTS):
        handle.faults.add(status=503)
    with pytest.raises(ValueError, match="already queues 100 faults, the most a session may queue"):
        handle.faults.add(status=503)
    assert len(handle.faults) == MAX_QUEUED_FAULTS


def test_resources_are_read_replaced_and_emptied_through_the_handle() -> None:
    t = transport(settings=default_settings(spec=SPEC_2025))
    h = t.handle
    with httpx.Client(transport=t, base_url=t.url, headers=h.headers) as client:
        client.post("/api/v1/knowledge-base/", json={"content": "a", "connection_id": 1})
        assert "knowledge-base" in h.resources.collections()
        assert [e["content"] for e in h.resources["knowledge-base"]] == ["a"]
        stored = h.resources.replace("knowledge-base", [{"id": 5, "content": "b", "connection_id": 2}])
        assert stored[0]["id"] == 5 and stored[0]["created_at"]
        assert client.get("/api/v1/knowledge-base/5/").json()["content"] == "b"
        assert h.resources.get("knowledge-base", 5) == stored[0] and h.resources.get("knowledge-base", 1) is None
        h.resources.clear("knowledge-base")
        assert h.resources.list("knowledge-base") == []
        with pytest.raises(ValueError, match="'widgets' is not a collection"):
            h.resources.list("widgets")
        with pytest.raises(ValueError, match=r"resources\[0\].content: is required but missing"):
            h.resources.replace("knowledge-base", [{"connection_id": 1}])
        client.post("/api/v1/knowledge-base/", json={"content": "c", "connection_id": 1})
        h.for_session("other").resources.replace("knowledge-base", [])
        assert len(h.resources.list("knowledge-base")) == 1  # sessions stay apart
        h.reset()
        assert h.resources.list("knowledge-base") == []
