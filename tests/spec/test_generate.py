from __future__ import annotations

import random
from pathlib import Path

import pytest

from mockserver.spec.contract import CREATE, load_contract
from mockserver.spec.generate import generate, integer_edges

OPERATION = load_contract().operation(CREATE)
SCHEMAS = {f"response-{s}": (a.schema, a.validator) for s, a in OPERATION.responses.items()}
SCHEMAS["request"] = (OPERATION.body.schema if OPERATION.body else None, OPERATION.body)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in SCHEMAS])
def test_every_draw_is_valid_against_its_schema(name: str) -> None:
    schema, validator = SCHEMAS[name]
    assert schema is not None and validator is not None
    rng = random.Random(7)
    for _ in range(300):
        value = generate(schema, rng, validator)
        assert validator.errors(value) == []


def test_the_same_seed_draws_the_same_values() -> None:
    schema, validator = SCHEMAS["response-200"]
    assert schema is not None

    def draws(seed: int) -> list[object]:
        rng = random.Random(seed)
        return [generate(schema, rng, validator) for _ in range(50)]

    assert draws(5) == draws(5)
    assert draws(5) != draws(6)


def test_draws_lean_on_the_edges_a_client_must_survive() -> None:
    schema, validator = SCHEMAS["response-200"]
    assert schema is not None
    edges = integer_edges(OPERATION.body.schema if OPERATION.body else {})
    rng = random.Random(1)
    drawn = [generate(schema, rng, validator, edges) for _ in range(400)]
    seconds = {d["expires_in"] for d in drawn}
    texts = {d["iframe_url"] for d in drawn}
    assert {60, 900, 3600} <= seconds  # the request's ttl bounds and default, read from the spec
    assert "" in texts and any(len(t) > 1000 for t in texts) and any(not t.isascii() for t in texts)
    assert any(set(d) - {"iframe_url", "cache_key", "expires_in"} for d in drawn)  # unknown extra fields


def test_integer_edges_are_read_from_the_schema() -> None:
    schema = {
        "properties": {
            "a": {"type": "integer", "minimum": 2, "maximum": 9},
            "b": {"items": {"type": "integer", "default": 4}},
        }
    }
    assert integer_edges(schema) == (2, 4, 9)


def test_not_is_met_by_redrawing() -> None:
    from mockserver.spec.validation import compile_body_validator

    schema = {
        "type": "object",
        "properties": {"a": {"type": "boolean"}},
        "required": ["a"],
        "not": {"properties": {"a": {"enum": [True]}}},
    }
    validator = compile_body_validator(schema)
    rng = random.Random(0)
    assert all(generate(schema, rng, validator)["a"] is False for _ in range(20))


def test_realistic_identifiers_are_digits_so_they_fit_a_path_that_takes_an_integer() -> None:
    from mockserver.spec.generate import realistic

    text = {"type": "string"}
    schema = {"type": "object", "properties": {"id": text, "thread_id": text, "sourceId": text, "title": text}}
    for seed in range(20):
        value = realistic(schema, random.Random(seed), 0.0)
        assert value["id"].isdigit() and value["thread_id"].isdigit() and value["sourceId"].isdigit()
        assert not value["title"].isdigit()


def test_every_schema_of_the_2025_document_draws_valid_values() -> None:
    from mockserver.spec.generate import realistic

    vendor = load_contract(Path(__file__).parents[2] / "contracts/vendor/camelai-api-2025-08-18.openapi.yaml")
    validators = [op.body for op in vendor.operations.values() if op.body]
    validators += [a.validator for op in vendor.operations.values() for a in op.responses.values() if a.validator]
    assert len(validators) > 80
    for validator in validators:  # discriminated unions among them: each branch keeps its pinned value
        for seed in range(5):
            assert validator.errors(realistic(validator.schema, random.Random(seed), 0.0, validator)) == []
            assert validator.errors(generate(validator.schema, random.Random(seed), validator)) == []
