"""The proxy's tally: violations summed by operation and field, most frequent first, bounded however long it runs."""

from __future__ import annotations

import pytest

from mockserver.core import violations
from mockserver.core.violations import OVERFLOW, ViolationTally, field_of


@pytest.mark.parametrize(
    ("sentence", "field"),
    [
        pytest.param("request body.ttl: 30 is less than the minimum of 60", "request body.ttl", id="request-body"),
        pytest.param("request query.page: is required but missing", "request query.page", id="request-query"),
        pytest.param(
            'response 200 body.items[3].id: 1 is not of type "string"', "response 200 body.items[].id", id="index"
        ),
        pytest.param("response 200 body: is not valid JSON (x)", "response 200 body", id="whole-body"),
        pytest.param("response status 500 is not documented for op (documented: 200)", "response status", id="status"),
        pytest.param("request Content-Type 'text/plain' is not accepted; ...", "request Content-Type", id="media"),
    ],
)
def test_the_field_is_named_by_the_sentence(sentence: str, field: str) -> None:
    assert field_of(sentence) == field


def test_a_report_sums_by_operation_and_field_most_frequent_first() -> None:
    tally = ViolationTally()
    tally.count("s", "op", ["response 200 body.a: x", "response 200 body.b: y"])
    tally.count("s", "op", ["response 200 body.b: z"])
    tally.count("s", None, ["request path: GET /x matches no operation in the document"])
    tally.count("s", "op", [])
    tally.count("other", "op", ["response 200 body.a: x"])
    report = tally.report("s")
    assert (report["exchanges"], report["with_violations"], report["total"]) == (4, 3, 4)
    assert [(r["operation"], r["field"], r["count"], r["example"]) for r in report["violations"]] == [
        ("op", "response 200 body.b", 2, "response 200 body.b: z"),
        ("op", "response 200 body.a", 1, "response 200 body.a: x"),
        (None, "request path", 1, "request path: GET /x matches no operation in the document"),
    ]
    tally.clear("s")
    assert tally.report("s")["exchanges"] == 0 and tally.report("other")["total"] == 1


def test_fields_and_sessions_beyond_the_limits_are_counted_without_growing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(violations, "MAX_KEYS", 3)
    monkeypatch.setattr(violations, "MAX_SESSIONS", 2)
    tally = ViolationTally()
    for n in range(10):
        tally.count("s", "op", [f"response 200 body.f{n}: bad"])
    rows = tally.report("s")["violations"]
    assert len(rows) == 4 and rows[0] == {
        "operation": None,
        "field": OVERFLOW,
        "count": 7,
        "example": "response 200 body.f9: bad",
    }
    for session in ("a", "b", "c"):
        tally.count(session, "op", [])
    assert tally.report("s")["exchanges"] == 0  # the least recently counted session went
