"""What the coverage counters count, per operation, worked out at start-up (spec/coverage.py)."""

from __future__ import annotations

import pytest

from mockserver.spec.contract import load_contract
from mockserver.spec.coverage import plan_of, refusal_kind
from tests.conftest import SPEC_2025

CONTRACT = load_contract(SPEC_2025)


def test_a_status_falls_under_its_documented_key_and_an_undocumented_one_stays_itself() -> None:
    plan = plan_of(CONTRACT.operations["iframe_create_create"])
    assert plan.answers == ("200", "400", "401", "413", "415", "429", "503")
    assert [plan.key_of(s) for s in (200, 429, 500, 42)] == ["200", "429", "500", None]


def test_only_declared_fields_are_counted_as_sent() -> None:
    plan = plan_of(CONTRACT.operations["iframe_create_create"])
    sent = plan.sent({"unknown": ["1"]}, {"x-anything": "1"}, {"uid": "u", "ttl": 60, "made_up": 1})
    assert sorted(sent) == [("s", "iframe_create_create", "body.ttl"), ("s", "iframe_create_create", "body.uid")]


def test_answers_only_asked_for_get_prefer_and_fault_hints_and_natural_ones_say_what_to_send() -> None:
    plan = plan_of(CONTRACT.operations["token_create"])
    assert plan.on_request == {"403", "429", "500"}
    assert plan.hints["429"][:2] == (
        "Prefer: code=429",
        'POST /__mock/faults {"path": "/api/v1/token", "method": "POST", "status": 429}',
    )
    assert plan.hints["401"][0] == "call POST /api/v1/token without credentials"
    retrieve = plan_of(CONTRACT.operations["threads_retrieve"])
    assert "404" not in retrieve.on_request  # a templated path: an unknown id gets it
    assert retrieve.hints["404"][3] == "camel_mock.faults.add(method='GET', status=404)"


@pytest.mark.parametrize(
    ("status", "breaches", "kind"),
    [
        pytest.param(401, set(), "auth", id="auth"),
        pytest.param(413, set(), "size", id="size"),
        pytest.param(415, set(), "media type", id="media-type"),
        pytest.param(429, set(), "rate limit", id="rate-limit"),
        pytest.param(400, {("body.ttl", "minimum")}, "body", id="body"),
        pytest.param(400, {("query.page", "minimum")}, "parameter", id="parameter"),
        pytest.param(400, set(), "body", id="unreadable-json"),
        pytest.param(404, set(), None, id="not-a-refusal-kind"),
    ],
)
def test_a_refusal_is_counted_by_kind(status: int, breaches: set[tuple[str, str]], kind: str | None) -> None:
    assert refusal_kind(status, breaches) == kind
