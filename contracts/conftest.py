"""The contract suite: `pytest contracts [--base-url URL --api-key KEY]`.

With no --base-url the suite starts the mock itself. Against another server, properties marked
`mock_only` are skipped, and those marked `mock_extensions` run only if it serves the mock's JWKS.
Schemathesis checks the x-mock operations only against a server that serves them. CAMEL_BASE_URL and
CAMEL_API_KEY stand in for the flags (so a key need not appear on a command line).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mockserver.testing import Target, target
from mockserver.testing.verify import contract_in_use


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "camelAI contract suite")
    with contextlib.suppress(ValueError):  # raised when pytest-base-url owns --base-url (same dest, base_url)
        group.addoption(
            "--base-url", default=os.environ.get("CAMEL_BASE_URL"), help="server to check (default: start the mock)"
        )
    group.addoption("--api-key", default=os.environ.get("CAMEL_API_KEY"), help="bearer key it accepts")
    group.addoption(
        "--spec",
        default=os.environ.get("CAMEL_SPEC"),
        help="the vendor document to check (default: what the server serves at /openapi.json, else the bundled one); "
        "the mock the suite starts itself is started on it",
    )
    group.addoption("--max-examples", type=int, default=50, help="examples per property and per operation (default 50)")


DOCUMENT: dict[str, Any] | None = None  # the document in use: what --base-url serves, else --spec, else the bundled


def pytest_configure(config: pytest.Config) -> None:
    global DOCUMENT
    DOCUMENT = contract_in_use(config.getoption("base_url"), config.getoption("spec")).document
    settings.register_profile(
        "contracts",
        max_examples=config.getoption("max_examples"),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        print_blob=True,
    )
    settings.load_profile("contracts")


def pytest_report_header(config: pytest.Config) -> str:
    url = config.getoption("base_url")
    return f"contract target: {url or 'the mock, started by the suite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("base_url"):
        return
    skip = pytest.mark.skip(
        reason="needs the mock the suite starts itself (clock, journal); --base-url is another server"
    )
    for item in items:
        if item.get_closest_marker("mock_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server(pytestconfig: pytest.Config) -> Iterator[Target]:
    with target(
        pytestconfig.getoption("base_url"), pytestconfig.getoption("api_key"), pytestconfig.getoption("spec")
    ) as found:
        yield found


def schema_in_use() -> Any:
    """The document in use as schemathesis reads it, decided in pytest_configure (test modules import it)."""
    assert DOCUMENT is not None, "pytest_configure has not run"
    return schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))


@pytest.fixture(autouse=True)
def _extensions(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("mock_extensions"):
        found: Target = request.getfixturevalue("server")
        if not found.extensions:
            pytest.skip(f"{found.url} does not serve the mock's x-mock endpoints (its JWKS)")
    if request.node.get_closest_marker("create"):
        found = request.getfixturevalue("server")
        if not found.has_create:
            pytest.skip(f"{found.contract.path} has no iframe create operation")
