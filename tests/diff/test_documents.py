"""The diff of camelAI's own documents: every change the issue names, in its class, and nothing else on the create."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mockserver.diff.compare import compare
from mockserver.diff.documents import diff_documents
from mockserver.diff.model import ADDITIVE, BEHAVIOUR, BREAKING, Change, Report
from mockserver.spec.contract import load_contract
from mockserver.spec.document_cache import CACHE_ENV
from tests.conftest import SPEC_2025

CURRENT = str(Path(SPEC_2025).with_name("iframe-create.openapi.yaml"))
CREATE = "POST /api/v1/iframe/create"
NEW_MODELS = ["gpt-4.1", "gpt-5", "gpt-5-codex", "sonnet-4", "sonnet-4.5", "haiku-4.5"]
DISPLAY_FLAGS = ["response_mode", "show_dashboards", "show_sidebar"]


@pytest.fixture(scope="module")
def forward() -> Report:
    return diff_documents(SPEC_2025, CURRENT)


@pytest.fixture(scope="module")
def backward() -> Report:
    return diff_documents(CURRENT, SPEC_2025)


def on_create(report: Report) -> dict[tuple[str, ...], Change]:
    return {(c.kind, *c.place): c for c in report.changes if c.operation == CREATE}


def test_2025_to_current_names_each_change_of_the_create_in_its_class_and_no_other(forward: Report) -> None:
    found = {key: change.klass for key, change in on_create(forward).items()}
    expected = {
        **{
            ("property removed", "request body", name): BEHAVIOUR
            for name in ("ip_rate_limit_get_recommendations", "ip_rate_limit_send_message", "ip_rate_limit_window")
        },
        ("default changed", "request body", "model", "default"): BEHAVIOUR,
        ("enum widened", "request body", "model", "enum"): ADDITIVE,
        **{
            ("property added", "request body", name): ADDITIVE
            for name in ("theme", "theme_id", "limits", *DISPLAY_FLAGS)
        },
        # The 2025 document wanted a bearer or an X-API-Key; today's takes a bearer or nothing (`- {}`): a request
        # with only an X-API-Key is still accepted, as anonymous.
        ("anonymous access added", "security"): ADDITIVE,
        ("credential removed", "security"): BEHAVIOUR,
    }
    assert found == expected


def test_the_default_and_enum_changes_say_what_they_were_and_are(forward: Report) -> None:
    changes = on_create(forward)
    default = changes[("default changed", "request body", "model", "default")]
    assert (default.old, default.new, default.field) == ("o3", "gpt-5", "model")
    enum = changes[("enum widened", "request body", "model", "enum")]
    assert [v for v in enum.new if v not in enum.old] == NEW_MODELS
    removed = changes[("property removed", "request body", "ip_rate_limit_window")]
    assert "silently ignored" in removed.why
    assert removed.where == "POST /api/v1/iframe/create › request body › ip_rate_limit_window"


def test_every_operation_the_current_document_no_longer_lists_is_breaking(forward: Report) -> None:
    removed = {c.operation_id for c in forward.changes if c.kind == "operation removed"}
    assert all(c.klass == BREAKING for c in forward.changes if c.kind == "operation removed")
    old = load_contract(SPEC_2025, mock=False).operations
    assert removed == set(old) - {"iframe_create_create"}
    assert len(removed) == 42
    assert forward.count(BREAKING) == 42  # nothing else breaks a client of 2025's create


def test_the_vendors_mistakes_are_warned_about_as_at_start_up(forward: Report) -> None:
    assert any("path parameter 'pk' is not in the path template" in w for w in forward.warnings[SPEC_2025])
    assert CURRENT not in forward.warnings


def test_current_to_2025_loses_theme_as_behaviour_and_narrows_model_as_breaking(backward: Report) -> None:
    changes = on_create(backward)
    for name in ("theme", "theme_id", "limits", *DISPLAY_FLAGS):
        assert changes[("property removed", "request body", name)].klass == BEHAVIOUR
    narrowed = changes[("enum narrowed", "request body", "model", "enum")]
    assert narrowed.klass == BREAKING
    assert "`gpt-5`" in narrowed.why
    assert changes[("default changed", "request body", "model", "default")].klass == BEHAVIOUR
    assert changes[("anonymous access removed", "security")].klass == BREAKING
    for name in ("ip_rate_limit_get_recommendations", "ip_rate_limit_send_message", "ip_rate_limit_window"):
        assert changes[("property added", "request body", name)].klass == ADDITIVE
    assert {c.kind for c in backward.changes if c.operation != CREATE} == {"operation added"}


def test_a_document_against_itself_has_no_changes() -> None:
    assert diff_documents(SPEC_2025, SPEC_2025).changes == ()


def test_comparing_two_copies_of_the_43_operation_document_costs_less_than_loading_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A ratio only (CI never asserts a wall-clock time): the walk adds less than one more load to `diff`. The load
    # is a whole one, as `mockserver diff` makes it, not one from the document cache (spec/document_cache.py).
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a directory: nothing is kept")
    old, new = load_contract(SPEC_2025, mock=False), load_contract(SPEC_2025, mock=False)
    started = time.perf_counter()
    load_contract(SPEC_2025, mock=False)
    loading = time.perf_counter() - started
    started = time.perf_counter()
    assert compare(old, new) == []
    comparing = time.perf_counter() - started
    assert comparing < loading


def test_where_the_create_refuses_unknown_properties_their_removal_is_breaking(tmp_path: Path) -> None:
    def closed(path: str) -> str:
        text = Path(path).read_text()
        head = "    CreateIframeLinkRequestRequest:\n      type: object\n"
        assert head in text
        out = tmp_path / Path(path).name
        out.write_text(text.replace(head, head + "      additionalProperties: false\n", 1))
        return str(out)

    changes = on_create(diff_documents(closed(SPEC_2025), closed(CURRENT)))
    for name in ("ip_rate_limit_get_recommendations", "ip_rate_limit_send_message", "ip_rate_limit_window"):
        removed = changes[("property removed", "request body", name)]
        assert removed.klass == BREAKING and "additionalProperties: false" in removed.why
    assert changes[("default changed", "request body", "model", "default")].klass == BEHAVIOUR
