"""Schemathesis' stateful testing over the vendor's 2025 document as the mock serves it: sequences of calls chained
by the OpenAPI links of the mock's overlay (create -> retrieve/update/delete, list -> item, ask_camel -> threads),
every check on every answer, against a real uvicorn server."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from mockserver.config import KeyPolicy, Settings
from mockserver.mock import build_mock
from mockserver.testing.live_server import serve_in_thread
from tests.conftest import SPEC_2025, T0

AUTH = {"Authorization": "Bearer sk-test"}


def test_stateful_sequences_over_the_2025_document_pass_every_check() -> None:
    load_all_checks()
    mock = build_mock(Settings(clock=f"frozen:{T0}", spec=SPEC_2025, api_keys={"sk-test": KeyPolicy()}))
    with serve_in_thread(mock) as server:
        schema = schemathesis.openapi.from_dict(httpx.get(f"{server.url}/openapi.json").json())
        schema.config.update(base_url=server.url, headers=AUTH)
        assert schema.statistic.transitions.total >= 30  # the overlay's links between the 2025 operations
        seen: Counter[tuple[str, int]] = Counter()  # (operation id, status) of every answer the run checked

        class Sequences(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                # Each example starts from an empty session, so a replayed sequence meets the same ids and answers.
                server.call(mock.store.reset("default"))

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"base_url": server.url, "headers": AUTH}

            def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
                seen[(case.operation.definition.raw.get("operationId", ""), response.status_code)] += 1
                case.validate_response(response, checks=CHECKS.get_all(), transport_kwargs=kwargs or None)

        Sequences.run(
            settings=settings(
                max_examples=40,
                stateful_step_count=8,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )
    # The links were followed: items made in one call were read, changed or deleted in a later one.
    followed = [op for (op, status), n in seen.items() if 200 <= status < 300 and op.endswith(_ITEM_OPERATIONS)]
    assert followed, seen


_ITEM_OPERATIONS = ("_retrieve", "_update", "_partial_update", "_destroy")
