from __future__ import annotations

import random
import re
import subprocess
import sys

import jsonschema_rs
import pytest

from mockserver.spec.constraints import GenerationError, fold
from mockserver.spec.texts import python_pattern, text


def build(schema: dict[str, object], seed: int, *, fuzz: bool = False) -> str:
    return text(fold([schema], None), random.Random(seed), fuzz=fuzz, name="code", now=0.0)


@pytest.mark.parametrize(
    ("pattern", "low", "high"),
    [
        pytest.param(r"^[A-Z]{2}-\d{4}$", 0, None, id="fixed-width"),
        pytest.param("^[a-z]+$", 2, 3, id="repeat-within-tight-lengths"),
        pytest.param("^[a-z]+$", 50, 60, id="repeat-pushed-to-min-length"),
        pytest.param("^[a-z]+-[0-9]+$", 20, 22, id="two-repeats-pushed"),
        pytest.param(r"\d{3}", 10, None, id="unanchored-padded"),
        pytest.param(r"^[^a-c\s]{4}$", 0, None, id="negated-class"),
        pytest.param(r"^\W+$", 1, 5, id="non-word-class"),
        pytest.param(r"^[\p{L}\p{N}_.-]+$", 0, 10, id="unicode-properties-in-a-class"),
        pytest.param(r"^\P{L}{3}$", 0, None, id="negated-unicode-property"),
        pytest.param(r"^\P{C}*.\P{C}*$", 1, 12, id="no-control-characters"),  # amazonaws.com/kendra
        pytest.param(r"^(?<year>\d{4})$", 0, None, id="ecma-named-group"),
        pytest.param(r"^\x{41}+$", 0, 4, id="rust-hex-escape"),
        pytest.param(r"\A[a-z_]+\z", 0, 8, id="rust-anchors"),
        pytest.param(r"^[\p{L}||\p{Z}]+$", 0, 8, id="literal-bars-in-a-class"),
        pytest.param(r"^[\p{Alnum}\p{Punct}\p{Blank}]*$", 0, 8, id="posix-classes"),
        pytest.param(r"^[\P{M}\p{M}]+$", 0, 8, id="a-property-and-its-negation"),
    ],
)
def test_a_pattern_is_met_within_the_length_bounds(pattern: str, low: int, high: int | None) -> None:
    schema = {"type": "string", "pattern": pattern, "minLength": low, **({"maxLength": high} if high else {})}
    validator = jsonschema_rs.Draft202012Validator(schema)
    for seed in range(30):
        value = build(schema, seed)
        assert validator.is_valid(value), value


def test_ecma_patterns_are_read_as_python_reads_them() -> None:
    assert python_pattern(r"^(?<y>\d{4})-\k<y>$") == r"^(?P<y>\d{4})-(?P=y)$"
    assert python_pattern(r"\p{Lu}[\p{Ll}]") == "[A-Z][a-z]"
    assert python_pattern(r"[\P{L}]\P{XDigit}") == "[0-9][g-z]"  # characters outside the class
    assert python_pattern(r"\p{Greek}") == r"\p{Greek}"  # no Python spelling: named unreadable, not guessed
    with pytest.raises(GenerationError, match="cannot be read"):
        build({"pattern": r"\p{Greek}"}, 0)


def test_a_pattern_longer_than_max_length_is_named() -> None:
    with pytest.raises(GenerationError, match=re.escape("no string of 0 to 3 characters matching '^[a-z]{5}$'")):
        build({"pattern": "^[a-z]{5}$", "maxLength": 3}, 0)


def test_lengths_and_formats_without_a_pattern() -> None:
    assert len(build({"type": "string", "minLength": 30}, 0)) >= 30
    assert len(build({"type": "string", "maxLength": 3}, 0)) <= 3
    assert all(len(build({"type": "string", "maxLength": 2}, s, fuzz=True)) <= 2 for s in range(30))
    assert re.fullmatch(r"[0-9a-f-]{36}", build({"format": "uuid"}, 0))


def test_the_same_seed_builds_the_same_string_in_another_process() -> None:
    # rstr draws a negated class from a set, whose order follows the hash seed; the mock's answers must not.
    script = (
        "import random; from mockserver.spec.constraints import fold; from mockserver.spec.texts import text\n"
        "shape = fold([{'pattern': '^[^a-c]{12}$'}], None)\n"
        "print(text(shape, random.Random(3), fuzz=False, name='x', now=0.0))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script], env={"PYTHONHASHSEED": str(h)}, capture_output=True, text=True, check=True
        ).stdout
        for h in (1, 2, 3)
    }
    assert len(runs) == 1 and len(runs.pop().strip()) == 12
