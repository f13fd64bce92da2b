"""The coverage report from a tally (spec/coverage_report.py): shares, what is listed apart, and each format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from mockserver.core.clock import parse_time
from mockserver.core.coverage import Tally
from mockserver.spec.contract import load_contract
from mockserver.spec.coverage import plan_of
from mockserver.spec.coverage_report import FORMATS, render, report
from tests.conftest import SPEC_2025

CONTRACT = load_contract(SPEC_2025)
PLANS = {op_id: plan_of(op) for op_id, op in CONTRACT.operations.items() if not op.mock}
T = parse_time("2026-01-01T00:00:00Z")


def tally() -> Tally:
    counted = Tally()
    counted.add((("a", "iframe_create_create", "200", ""), ("s", "iframe_create_create", "body.uid")), T, "r1")
    counted.add((("a", "iframe_create_create", "429", "example:limited"),), T + 1, "r2")
    for n, when in enumerate((T + 2, T + 3), 3):
        counted.add(
            (("a", "iframe_create_create", "400", ""), ("b", "iframe_create_create", "body.ttl", "minimum")),
            when,
            f"r{n}",
        )
    return counted


def test_coverage_is_the_share_of_documented_answers_received() -> None:
    data = report(PLANS, tally())
    create = data["operations"]["iframe_create_create"]
    assert (create["covered"], create["documented"], create["coverage"]) == (3, 7, round(3 / 7, 4))
    assert data["covered"] == 3 and data["documented"] == sum(len(p.answers) for p in PLANS.values())
    assert create["answers"]["429"]["variants"] == {"example:limited": 1}
    assert create["sent"] == {"body.uid": 1}
    assert len(data["not_called"]) == len(PLANS) - 1
    assert {i["answer"] for i in data["on_request"]} == {"503"}  # of the operations called only
    assert data["breaches"] == [
        {
            "operation": "iframe_create_create",
            "field": "body.ttl",
            "rule": "minimum",
            "count": 2,
            "first_seen": "2026-01-01T00:00:02Z",
            "first_request": "r3",
        }
    ]


def test_a_glob_limits_the_report_to_the_operations_it_matches() -> None:
    data = report(PLANS, tally(), "threads_*")
    assert set(data["operations"]) == {op for op in PLANS if op.startswith("threads_")}
    assert data["covered"] == 0 and data["breaches"] == []


def test_a_tally_merged_from_two_adds_up_and_keeps_the_first_time() -> None:
    one, two = tally(), tally()
    two.first = {key: (when - 10, "other") for key, (when, _) in two.first.items()}
    one.merge(two)
    data = report(PLANS, one)
    assert data["operations"]["iframe_create_create"]["answers"]["400"]["count"] == 4
    assert (data["breaches"][0]["first_seen"], data["breaches"][0]["first_request"]) == (
        "2025-12-31T23:59:52Z",
        "other",
    )


@pytest.mark.parametrize("form", FORMATS)
def test_every_format_names_the_operation_and_what_it_missed(form: str) -> None:
    text = render(report(PLANS, tally(), "iframe_*"), form)
    assert "iframe_create_create" in text
    if form == "json":
        assert json.loads(text)["covered"] == 3
    elif form == "junit":
        suite = ET.fromstring(text)
        assert (suite.get("tests"), suite.get("failures")) == ("7", "4")
        failed = [c.get("name") for c in suite if c.find("failure") is not None]
        assert "iframe_create_create 503" in failed
    elif form == "markdown":
        assert "| `iframe_create_create` | 42.9% | `200` ×1, `400` ×2, `429` ×1 | `401`, `413`, `415`, `503` |" in text
    elif form == "text":
        assert "Prefer: code=503" in text and "body.ttl: minimum ×2" in text
    else:
        assert "<td class='miss'" in text and "<td class='hit'" in text
