"""--seed-data: read once at start-up; every problem names the file, the resource and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.config import ConfigError
from mockserver.spec.collections import find_collections
from mockserver.spec.contract import load_contract
from mockserver.spec.seeds import load_seed_data
from tests.conftest import SPEC_2025

FOUND = find_collections(load_contract(SPEC_2025))
T = 1_767_225_600.0


def test_seed_data_is_numbered_per_collection(tmp_path: Path) -> None:
    path = tmp_path / "seeds.yaml"
    path.write_text("knowledge-base:\n  - {content: a, connection_id: 1}\n  - {id: 5, content: b, connection_id: 2}\n")
    seeds = load_seed_data(path, FOUND, T)
    assert [(key, place) for key, place, _ in seeds["knowledge-base"]] == [("6", 6), ("5", 5)]
    (tmp_path / "empty.yaml").write_text("")
    assert load_seed_data(tmp_path / "empty.yaml", FOUND, T) == {}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            "widgets: []",
            "'widgets' is not a collection of the document (its collections: knowledge-base,",
            id="unknown",
        ),
        pytest.param("- 1", "seed data maps each collection's name to a list of resources, not a list", id="list"),
        pytest.param("threads: {}", "threads: a list of resources, not a mapping", id="not-a-list"),
        pytest.param("threads: [{title: 5}]", 'threads[0].title: 5 is not of type "string"', id="field"),
        pytest.param("a: [", "not valid YAML", id="yaml"),
    ],
)
def test_bad_seed_data_names_the_file_and_the_problem(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "seeds.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_seed_data(path, FOUND, T)
    assert str(refused.value).startswith(f"{path}: ") and error in str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the seed data"):
        load_seed_data(tmp_path / "nope.yaml", FOUND, T)
