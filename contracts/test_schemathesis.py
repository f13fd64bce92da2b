"""Schemathesis, every check, over every operation of the document in use.

The document is the one the server serves (or `--spec`), which conftest.py decides before the tests are collected,
so each operation is its own test. Operations the vendor does not document (`x-mock`) are skipped against a server that does not
serve the mock's extensions.
"""

from __future__ import annotations

from typing import Any

import conftest
import pytest
from schemathesis.checks import CHECKS, load_all_checks

from mockserver.testing import Target

schema = conftest.schema_in_use()
load_all_checks()


def is_mock_addition(document: dict[str, Any], method: str, path: str) -> bool:
    item = document["paths"][path]
    return item.get("x-mock") is True or item[method.lower()].get("x-mock") is True


@schema.parametrize()
def test_every_operation_meets_the_contract(case: Any, server: Target) -> None:
    if not server.extensions and is_mock_addition(server.contract.document, case.operation.method, case.operation.path):
        pytest.skip(f"{case.operation.path} is an x-mock addition that {server.url} does not serve")
    case.call_and_validate(base_url=server.url, headers=server.auth, checks=CHECKS.get_all())
