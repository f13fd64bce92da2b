from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from mockserver.spec.constraints import GenerationError, fold, follow, same

DOCUMENT: dict[str, Any] = {
    "Base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
    "Loop": {"allOf": [{"$ref": "#/Loop"}, {"minLength": 2}]},
}


def resolve(ref: str) -> Any:
    return DOCUMENT[ref.removeprefix("#/")]


def test_all_of_members_fold_into_one_shape() -> None:
    shape = fold(
        [
            {
                "allOf": [
                    {"$ref": "#/Base"},
                    {"properties": {"id": {"minimum": 3}, "name": {"type": "string"}}, "required": ["name"]},
                    {"type": ["object", "null"], "maxProperties": 4},
                ]
            }
        ],
        resolve,
    )
    assert shape.types == frozenset({"object"}) and shape.max_properties == 4
    assert list(shape.required) == ["id", "name"]
    assert shape.properties["id"] == [{"type": "integer"}, {"minimum": 3}]  # folded when a value is built there


@pytest.mark.parametrize(
    ("schemas", "low", "high", "low_open", "high_open"),
    [
        pytest.param([{"minimum": 1, "exclusiveMinimum": True}, {"maximum": 9}], 1, 9, True, False, id="draft-4"),
        pytest.param([{"exclusiveMinimum": 1, "minimum": 1}, {"exclusiveMaximum": 9}], 1, 9, True, True, id="2020-12"),
        pytest.param([{"minimum": 2}, {"minimum": 5, "maximum": 7}, {"maximum": 6.5}], 5, 6.5, False, False, id="meet"),
    ],
)
def test_bounds_of_both_dialects_are_intersected(
    schemas: list[Any], low: float, high: float, low_open: bool, high_open: bool
) -> None:
    shape = fold(schemas, None)
    assert (shape.minimum, shape.maximum) == (Fraction(str(low)), Fraction(str(high)))
    assert (shape.minimum_open, shape.maximum_open) == (low_open, high_open)


def test_enums_types_and_multiples_meet() -> None:
    shape = fold([{"enum": [1, "a", None]}, {"const": 1.0}, {"multipleOf": 0.5}, {"multipleOf": 0.2}], None)
    assert shape.enum == [1] and shape.multiple_of == Fraction(1)
    assert fold([{"type": "number"}, {"type": "integer"}], None).types == frozenset({"integer"})
    assert "no type" in (fold([{"type": "string"}, {"type": "integer"}], None).never or "")
    assert same(1, 1.0) and not same(True, 1) and not same(0, None)


def test_a_reference_cycle_in_all_of_is_followed_once() -> None:
    assert fold([{"$ref": "#/Loop"}], resolve).min_length == 2


def test_a_reference_to_nothing_is_named() -> None:
    assert follow("#/Nothing", None) == {}
    with pytest.raises(GenerationError, match="'#/Nothing' cannot be followed"):
        follow("#/Nothing", resolve)
