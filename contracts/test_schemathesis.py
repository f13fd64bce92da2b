"""Schemathesis, every check, over every operation of the contract.

The schema is built at import, so each operation is its own test; the server is only known at run
time and is passed to each call. Operations the vendor does not document (`x-mock`) are skipped
against a server that does not serve the mock's extensions.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks

from mockserver import load_contract
from mockserver.testing import Target

DOCUMENT = load_contract().document
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))
load_all_checks()


def is_mock_addition(method: str, path: str) -> bool:
    item = DOCUMENT["paths"][path]
    return item.get("x-mock") is True or item[method.lower()].get("x-mock") is True


@schema.parametrize()
def test_every_operation_meets_the_contract(case: Any, server: Target) -> None:
    if not server.extensions and is_mock_addition(case.operation.method, case.operation.path):
        pytest.skip(f"{case.operation.path} is an x-mock addition that {server.url} does not serve")
    case.call_and_validate(base_url=server.url, headers=server.auth, checks=CHECKS.get_all())
