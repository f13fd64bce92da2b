"""schemathesis fuzzes the admin API from its own document (`/__mock/openapi.json`), in process."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from mockserver.config import Settings
from mockserver.mock import build_mock
from mockserver.server.app import create_app
from tests.conftest import T0

# Without --admin-key, as tests usually run it (test_admin.py covers the key); derandomized so
# every run sends the same requests.
app = create_app(build_mock(Settings(clock=f"frozen:{T0}")))
schema = schemathesis.openapi.from_asgi("/__mock/openapi.json", app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_admin_api_matches_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate()
