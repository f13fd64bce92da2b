"""Documents kept between starts (spec/document_cache.py): the same contract from the cache, and a change to any file
read, or a cache that cannot be written, never gives a stale or failed start."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mockserver.spec.contract import load_contract
from mockserver.spec.document_cache import CACHE_ENV
from tests.conftest import SPEC_2025, answers, openapi

OVERLAY = """overlay: 1.0.0
info: {title: t, version: '1'}
actions:
  - target: "$.paths['/a'].get"
    update: {summary: %s}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "documents"


def test_a_kept_document_gives_the_same_contract(cache: Path) -> None:
    first = load_contract(SPEC_2025)
    assert len(list(cache.iterdir())) == 1  # the vendor's document with the mock's overlay, as JSON
    again = load_contract(SPEC_2025)
    assert again.document == first.document and again.warnings == first.warnings
    assert sorted(again.operations) == sorted(first.operations)


def test_a_changed_document_or_overlay_is_read_afresh(tmp_path: Path, cache: Path) -> None:
    spec, overlay = tmp_path / "spec.json", tmp_path / "extra.yaml"
    spec.write_text(json.dumps(openapi({"/a": {"get": {"responses": answers()}}})))
    overlay.write_text(OVERLAY % "one")
    assert load_contract(spec, [overlay], mock=False).document["paths"]["/a"]["get"]["summary"] == "one"
    overlay.write_text(OVERLAY % "two")
    assert load_contract(spec, [overlay], mock=False).document["paths"]["/a"]["get"]["summary"] == "two"
    spec.write_text(
        json.dumps(openapi({"/a": {"get": {"responses": answers()}}, "/b": {"get": {"responses": answers()}}}))
    )
    assert "/b" in load_contract(spec, [overlay], mock=False).document["paths"]
    assert len(list(cache.iterdir())) == 3


def test_a_cache_that_cannot_be_written_or_holds_garbage_is_passed_by(tmp_path: Path, cache: Path) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the directory would go")
    assert load_contract(SPEC_2025).operations
    os.remove(cache)
    load_contract(SPEC_2025)
    [kept] = cache.iterdir()
    kept.write_text("{not json")
    assert load_contract(SPEC_2025).operations


def test_yaml_keys_and_dates_are_read_as_the_json_they_stand_for(tmp_path: Path, cache: Path) -> None:
    # An unquoted `200:` is an integer key in YAML: validators refused the whole document with a traceback.
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      x-released: 2024-01-02\n"
        "      responses:\n        200:\n          description: ok\n"
    )
    for _ in range(2):  # read, then kept
        operation = load_contract(spec, mock=False).document["paths"]["/a"]["get"]
        assert operation["responses"].keys() == {"200"} and operation["x-released"] == "2024-01-02"
