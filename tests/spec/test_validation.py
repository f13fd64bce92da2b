"""The compiled validators agree with openapi-core's own request validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from mockserver.spec.contract import ADMIN_SPEC, load_contract
from mockserver.spec.schemas import translate
from mockserver.spec.validation import (
    KEPT,
    MAX_LISTED,
    BodyValidator,
    _describe,
    compile_body_validator,
    field_name,
)

CONTRACT = load_contract()
CREATE = CONTRACT.operation("iframe_create_create")
assert CREATE.body is not None
VALIDATOR = CREATE.body
OPENAPI = OpenAPI.from_dict(CONTRACT.document)
SCHEMA = schemathesis.openapi.from_dict(CONTRACT.document)
PROPS = sorted(VALIDATOR.schema["properties"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
# Objects whose keys are the contract's own property names, holding any JSON at all.
near_misses = st.dictionaries(st.sampled_from(PROPS), json_values, max_size=len(PROPS))


def openapi_core_accepts(body: Any) -> bool:
    request = MockRequest(
        "https://api.camelai.com",
        "post",
        "/api/v1/iframe/create",
        data=json.dumps(body),
        content_type="application/json",
    )
    try:
        OPENAPI.validate_request(request)
    except Exception:
        return False
    return True


def both_agree(body: Any) -> None:
    assert (VALIDATOR.errors(body) == []) == openapi_core_accepts(body), body


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(near_misses)
def test_agrees_with_openapi_core_on_arbitrary_objects(body: dict[str, Any]) -> None:
    both_agree(body)


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_agrees_with_openapi_core_on_schemathesis_cases(mode: schemathesis.GenerationMode) -> None:
    strategy = SCHEMA["/api/v1/iframe/create"]["POST"].as_strategy(generation_mode=mode)

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(case: schemathesis.Case) -> None:
        if isinstance(case.body, dict):
            both_agree(case.body)

    check()


def test_theme_and_theme_id_together_is_refused_by_both() -> None:
    body = {"uid": "u", "srcs": [], "theme": {}, "theme_id": 1}
    assert not openapi_core_accepts(body)
    assert VALIDATOR.errors(body) == [
        "theme + theme_id: both sent (theme={}, theme_id=1); "
        "theme and theme_id are mutually exclusive; send one or neither"
    ]


def test_the_vendor_schema_alone_allows_what_the_mock_narrows() -> None:
    document = Path(__file__).parents[2] / "contracts/vendor/iframe-create.openapi.yaml"
    vendor = load_contract(document, mock=False).operation("iframe_create_create").body
    assert vendor is not None and vendor.errors({"uid": "u", "srcs": [], "theme": {}, "theme_id": 1}) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"uid": "u", "srcs": [], "ttl": 3601}, "ttl: 3601 is greater than the maximum of 3600", id="ttl"),
        pytest.param({"uid": "u", "srcs": [], "ttl": 900.5}, 'ttl: 900.5 is not of type "integer"', id="float"),
        pytest.param({"uid": "u", "srcs": [], "ttl": True}, 'ttl: true is not of type "integer"', id="bool"),
        pytest.param({"uid": "u", "srcs": ["x" * 500, ""]}, 'srcs[1]: "" is shorter than 1 character', id="index"),
        pytest.param({"uid": "u", "srcs": "x" * 500}, 'srcs: "' + "x" * 58 + '… is not of type "array"', id="long"),
    ],
)
def test_messages_name_field_value_and_rule(body: dict[str, Any], message: str) -> None:
    assert message in VALIDATOR.errors(body)


def test_nullable_becomes_a_null_type_and_an_enum_takes_null_only_where_it_lists_it() -> None:
    # OpenAPI 3.0.3: "nullable: true" with an enum allows null only when the enum lists it (apideck.com's Currency).
    schema = translate({"type": "string", "nullable": True, "enum": ["a"]}, "3.0", "request")
    assert schema == {"type": ["string", "null"], "enum": ["a"]}
    assert compile_body_validator({"type": "string", "nullable": True, "enum": ["a"]}, "request").errors(None)
    assert (
        compile_body_validator({"type": "string", "nullable": True, "enum": ["a", None]}, "request").errors(None) == []
    )


def test_read_only_fields_are_required_only_in_answers_and_write_only_ones_only_in_requests() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer", "readOnly": True}, "secret": {"type": "string", "writeOnly": True}},
        "required": ["id", "secret"],
    }
    request, response = compile_body_validator(schema, "request"), compile_body_validator(schema, "response")
    assert request.errors({"secret": "s"}) == [] and request.errors({}) == ["secret: is required but missing"]
    assert response.errors({"id": 1}) == [] and response.errors({}) == ["id: is required but missing"]


def test_field_names() -> None:
    assert field_name(["limits", "hourly"]) == "limits.hourly"
    assert field_name(["reference_queries", 0, "title"]) == "reference_queries[0].title"
    assert field_name([]) == "body"


def every_problem(validator: BodyValidator, body: Any) -> set[str]:
    """What the capped list stands for: every error jsonschema-rs finds in the whole body, described alike, but for
    the rules of a value of the wrong type, which its type error stands for."""
    errors = list(validator.compiled.iter_errors(body))
    mistyped = {tuple(e.instance_path) for e in errors if type(e.kind).__name__ == "Type"}
    return {
        _describe(e, validator.document, body)
        for e in errors
        if tuple(e.instance_path) not in mistyped or type(e.kind).__name__ == "Type"
    }


def holds_to_the_whole(validator: BodyValidator, body: Any) -> None:
    listed = validator.errors(body)
    everything = every_problem(validator, body)
    if not everything:
        assert listed == []
        return
    tail = listed[-1] if listed[-1].startswith("…") else None
    problems = listed[:-1] if tail else listed
    assert 1 <= len(problems) <= MAX_LISTED and set(problems) <= everything
    if tail is None:
        assert set(problems) == everything
    elif tail.startswith("… and more problems"):
        assert len(everything) > MAX_LISTED
    elif "perhaps" not in tail:
        assert len(problems) + int(tail.split()[2]) == len(everything)


long_lists = st.lists(st.sampled_from(["", "a", 1, None, {}]), max_size=3 * KEPT)
long_objects = st.dictionaries(st.sampled_from([f"k{i}" for i in range(3 * KEPT)]), st.sampled_from(["", "a", 1]))
crowded = st.fixed_dictionaries(
    {"uid": st.sampled_from(["u", "", 5])},
    optional={
        "srcs": long_lists,
        "knowledge_base_entries": long_lists,
        "reference_queries": st.lists(long_objects, max_size=2 * KEPT),
        "theme": long_objects,
        "theme_id": st.just(1),
        "ttl": st.sampled_from([1, 900]),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(crowded)
def test_the_capped_list_holds_only_real_problems_and_counts_the_rest_exactly_when_it_says_a_number(
    body: dict[str, Any],
) -> None:
    holds_to_the_whole(VALIDATOR, body)


ADMIN = load_contract(ADMIN_SPEC)
OTHERS = [ADMIN.operation(op).body for op in ("admin_faults_add", "admin_clock_move")]
OTHERS.append(CONTRACT.operation("mock_iframe_messages_create").body)
admin_fields = ["path", "method", "count", "status", "body", "delay", "drop", "advance", "set", "message"]
admin_values = st.sampled_from(["", "/x", 1, 204, -1, None, True, [], {}, [1] * 15, {f"q{i}": 1 for i in range(15)}])


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(OTHERS),
    st.dictionaries(st.sampled_from(admin_fields + [f"k{i}" for i in range(2 * KEPT)]), admin_values, max_size=30),
)
def test_the_capped_list_holds_for_rules_over_the_whole_body_too(
    validator: BodyValidator, body: dict[str, Any]
) -> None:
    holds_to_the_whole(validator, body)  # the admin bodies' anyOf, not and additionalProperties: false


def test_340000_bad_items_give_ten_problems_and_say_there_are_more() -> None:
    listed = VALIDATOR.errors({"uid": "u", "srcs": [""] * 340_000})
    assert len(listed) == MAX_LISTED + 1 and listed[-1] == "… and more problems"
    assert listed[:3] == [f'srcs[{i}]: "" is shorter than 1 character' for i in range(3)]
    assert len("; ".join(listed)) < 600


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"a": 1}, set(), id="valid"),
        pytest.param({"a": 0}, {("body.a", "minimum")}, id="minimum"),
        pytest.param({}, {("body.a", "required")}, id="required"),
        pytest.param({"a": 1, "zz_1234": 1}, {("body", "additionalProperties")}, id="unknown-name-not-kept"),
        pytest.param({"a": 1, "items": [1, "x", 2]}, {("body.items[]", "type")}, id="index-folded"),
    ],
)
def test_breaches_are_field_and_rule_bounded_by_the_schema(body: object, expected: set[tuple[str, str]]) -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
        "properties": {
            "a": {"type": "integer", "minimum": 1},
            "items": {"type": "array", "items": {"type": "integer"}},
        },
    }
    assert compile_body_validator(schema).breaches(body) == expected
