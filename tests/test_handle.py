"""The handle's journal and fault helpers.

The journal is written by the journal middleware (issue: admin API), which is not in this branch yet:
until it lands, these tests append entries through the store, shaped as that middleware writes them.
After the merge they should make real requests instead (see the report of the contracts branch).
"""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.handle import MockHandle
from mockserver.testing import transport


def entry(operation: str, status: int = 200, route: str = "POST /api/v1/iframe/create") -> dict[str, Any]:
    method, _, path = route.partition(" ")
    return {
        "method": method,
        "path": path,
        "status": status,
        "operation": operation,
        "uid": "u",
        "errors": [],
        "time": 0,
    }


@pytest.fixture
def handle() -> MockHandle:
    h = transport().handle
    for e in (
        entry("iframe_create_create"),
        entry("iframe_create_create", 400),
        entry("mock_jwks_retrieve", route="GET /.well-known/jwks.json"),
    ):
        h.call(h.mock.store.journal_append(h.session, e, 100))
    return h


def test_journal_reads_the_session_entries_in_order(handle: MockHandle) -> None:
    journal = handle.requests
    assert len(journal) == 3
    assert [e["status"] for e in journal] == [200, 400, 200]
    assert journal.last is not None and journal.last["operation"] == "mock_jwks_retrieve"
    assert journal.count("iframe_create_create") == 2
    assert journal.count("POST /api/v1/iframe/create") == 2
    assert journal.called("mock_jwks_retrieve") and not journal.called("mock_iframe_page_retrieve")


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


def test_clear_and_reset_empty_the_journal(handle: MockHandle) -> None:
    handle.requests.clear()
    assert len(handle.requests) == 0
    handle.call(handle.mock.store.journal_append(handle.session, entry("x"), 10))
    handle.reset()
    assert handle.requests.last is None


def test_faults_are_queued_listed_and_cleared() -> None:
    handle = transport().handle
    added = handle.faults.add("/api/v1/iframe/create", status=503, body={"error": "down"}, count=2)
    assert added == {"path": "/api/v1/iframe/create", "count": 2, "status": 503, "body": {"error": "down"}}
    handle.faults.add(delay=1.5)
    assert [f.get("status") for f in handle.faults] == [503, None]
    assert len(handle.for_session("other").faults) == 0
    handle.faults.clear()
    assert len(handle.faults) == 0
    with pytest.raises(ValueError, match="count: 0 must be at least 1"):
        handle.faults.add(count=0)
