"""schemathesis fuzzes the app in-process from its own served document, with every check."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from mockserver.config import Settings
from mockserver.mock import build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, T0

APP = create_app(build_mock(Settings(clock=f"frozen:{T0}")))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
SCHEMA.config.generation.update(modes=list(schemathesis.GenerationMode), max_examples=60)


@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_in_positive_and_negative_mode(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(SCHEMA["/api/v1/iframe/create"]["POST"].as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
def test_invalid_creates_are_refused_with_a_named_reason(case: schemathesis.Case) -> None:
    response = case.call(headers=AUTH)
    assert response.status_code in (400, 401, 415), response.text
    assert response.json()["error"]


# Follows the contract's links: create → token lookup and create → iframe page.
TestLinks = SCHEMA.as_state_machine().TestCase
TestLinks.settings = settings(
    max_examples=30, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
)
