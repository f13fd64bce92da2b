"""The report's four outputs: Markdown (a snapshot of the PR comment), text, JSON and HTML."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from mockserver.diff.documents import diff_contracts
from mockserver.diff.model import Report
from mockserver.diff.render import as_json as json_report
from mockserver.diff.render import markdown, page, text
from mockserver.diff.usage import load_coverage
from mockserver.spec.contract import load_contract
from tests.conftest import SPEC_2025
from tests.diff.test_documents import CURRENT
from tests.diff.test_usage import EXAMPLE

SNAPSHOT = Path(__file__).with_name("snapshots") / "2025-to-current.md"


def report(old: str, new: str, coverage: bool = False) -> Report:
    """Named by file name only, so the output is the same on every machine."""
    usage = load_coverage(str(EXAMPLE)) if coverage else None
    old_c, new_c = load_contract(old, mock=False), load_contract(new, mock=False)
    return diff_contracts(old_c, new_c, usage, Path(old).name, Path(new).name)


def test_the_markdown_comment_matches_its_snapshot() -> None:
    # To accept a deliberate change: write markdown(report(SPEC_2025, CURRENT)) to SNAPSHOT and review the diff.
    assert markdown(report(SPEC_2025, CURRENT)) == SNAPSHOT.read_text()


def test_markdown_and_text_lead_with_what_the_tests_use() -> None:
    backward = report(CURRENT, SPEC_2025, coverage=True)
    comment = markdown(backward)
    assert comment.index("**Touching what your tests use**") < comment.index("#### Breaking")
    first = comment.split("**Touching what your tests use**\n\n", 1)[1].splitlines()[0]
    assert first.startswith("- **behaviour**: your tests send `theme`: `POST /api/v1/iframe/create › request body")
    lines = text(backward).splitlines()
    assert lines[2] == "Touching what your tests use:"
    assert "your tests send `theme`" in lines[3]


def test_text_can_list_only_the_classes_asked_for_and_still_counts_them_all() -> None:
    out = text(report(SPEC_2025, CURRENT), ("breaking", "behaviour"))
    assert "55 changes (42 breaking, 5 behaviour, 8 additive)" in out.splitlines()[0]
    assert "Additive" not in out and "theme_id" not in out
    assert "model › default: default changed (o3 → gpt-5)" in out


def test_json_carries_every_change_with_its_class_and_place() -> None:
    data = json.loads(json_report(report(SPEC_2025, CURRENT)))
    assert data["summary"] == {"breaking": 42, "behaviour": 5, "additive": 8, "used": 0}
    default = next(c for c in data["changes"] if c["change"] == "default changed")
    assert default | {"why": ""} == {
        "class": "behaviour",
        "operation": "POST /api/v1/iframe/create",
        "operation_id": "iframe_create_create",
        "place": ["request body", "model", "default"],
        "where": "POST /api/v1/iframe/create › request body › model › default",
        "change": "default changed",
        "old": "o3",
        "new": "gpt-5",
        "why": "",
        "status": None,
        "field": "model",
        "used": None,
    }
    assert any("path parameter 'pk'" in w for w in data["warnings"]["camelai-api-2025-08-18.openapi.yaml"])


def test_the_html_page_is_one_row_per_change_with_everything_escaped() -> None:
    rows: list[str] = []

    class Rows(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "tr" and attrs:
                rows.append(dict(attrs)["class"] or "")

    html = page(report(SPEC_2025, CURRENT))
    Rows().feed(html)
    assert len(rows) == 55 and rows.count("breaking") == 42
    assert "<code>POST /api/v1/iframe/create › request body › model › default</code>" in html
    assert "`gpt-4.1`" in html  # the why, escaped as text
