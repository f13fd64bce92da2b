from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mockserver.spec.contract import DEFAULT_SPEC, ContractError, load_contract, strip_mock_additions

ROOT = Path(__file__).parents[2]
VENDOR = ROOT / "contracts" / "vendor" / "iframe-create.openapi.yaml"


def test_removing_mock_additions_gives_back_the_vendor_block() -> None:
    ours = yaml.safe_load(DEFAULT_SPEC.read_text())
    assert strip_mock_additions(ours) == yaml.safe_load(VENDOR.read_text())


def test_vendor_copy_is_the_vendor_document() -> None:
    vendor = yaml.safe_load(VENDOR.read_text())
    assert vendor["openapi"] == "3.0.3"
    assert vendor["paths"]["/api/v1/iframe/create"]["post"]["operationId"] == "iframe_create_create"
    # Where the vendor's page is at hand (the team's workspace and CI), the copy is its block to the byte.
    seed = ROOT.parent / "shared" / "seeds" / "001_63c568a36e857e92.txt"
    if seed.exists():
        block = seed.read_text().split("````yaml", 1)[1].split("\n", 1)[1].split("````", 1)[0]
        assert block == VENDOR.read_text()


def test_every_addition_is_marked() -> None:
    ours = yaml.safe_load(DEFAULT_SPEC.read_text())
    vendor = yaml.safe_load(VENDOR.read_text())
    added_paths = set(ours["paths"]) - set(vendor["paths"])
    assert added_paths, "the mock documents its own endpoints"
    assert all(ours["paths"][p].get("x-mock") is True for p in added_paths)
    added_schemas = set(ours["components"]["schemas"]) - set(vendor["components"]["schemas"])
    assert all(ours["components"]["schemas"][s].get("x-mock") is True for s in added_schemas)


def test_strip_drops_containers_emptied_by_additions_only() -> None:
    doc = {"a": {"x-mock": True}, "b": [{"x-mock": True}], "c": [], "d": {"e": 1, "f": {"x-mock": True}}}
    assert strip_mock_additions(doc) == {"c": [], "d": {"e": 1}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("openapi: [3.0.3\n", "not valid YAML", id="yaml"),
        pytest.param("- a list\n", "not an OpenAPI document", id="not-openapi"),
        pytest.param("swagger: '2.0'\nopenapi: '2.0'\n", "openapi '2.0' is not supported", id="swagger"),
        pytest.param("openapi: 3.0.3\npaths: [a]\n", "'paths' is not a mapping", id="paths"),
    ],
)
def test_broken_spec_names_file_and_problem(tmp_path: Path, content: str | None, problem: str) -> None:
    spec = tmp_path / "spec.yaml"
    if content is not None:
        spec.write_text(content)
    with pytest.raises(ContractError) as err:
        load_contract(spec)
    assert str(err.value).startswith(str(spec)) and problem in str(err.value)
    assert "\n" not in str(err.value)


def test_a_ref_to_nothing_leaves_out_only_its_operation_with_a_warning(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        DEFAULT_SPEC.read_text().replace("#/components/schemas/CreateIframeLinkRequestRequest", "#/nowhere")
    )
    contract = load_contract(spec)
    assert "iframe_create_create" not in contract.operations
    assert "mock_jwks_retrieve" in contract.operations
    assert any(
        "(iframe_create_create)" in w and "'#/nowhere' points at nothing; not served" in w for w in contract.warnings
    )
    served = json.loads(contract.served("http://m"))
    assert "post" not in served["paths"].get("/api/v1/iframe/create", {})
    assert served["x-mock-warnings"] == contract.warnings


def test_served_document_points_at_the_mock() -> None:
    contract = load_contract()
    served = json.loads(contract.served("http://127.0.0.1:9999"))
    assert served["servers"][0]["url"] == "http://127.0.0.1:9999"
    assert served["paths"] == contract.document["paths"]
    assert "x-mock-warnings" not in served


def test_operations_carry_their_route_and_a_compiled_body_validator() -> None:
    contract = load_contract()
    create = contract.operation("iframe_create_create")
    assert create.method == "POST" and create.path == "/api/v1/iframe/create"
    assert create.body is not None and "$ref" not in json.dumps(create.body.schema)
