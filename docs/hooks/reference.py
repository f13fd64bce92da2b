"""The mkdocs hook behind the generated reference: `<!-- generated: NAME -->` in a page is replaced at build time by
the Markdown that GENERATORS[NAME] derives from its source, so the reference follows the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mkdocs.exceptions import PluginError
from reference_admin import admin_markdown
from reference_claims import claims_markdown
from reference_cli import cli_markdown
from reference_errors import errors_markdown
from reference_pytest import fixtures_markdown, pytest_markdown
from reference_python import python_markdown
from reference_settings import settings_markdown

MARKER = re.compile(r"^<!--\s*generated:\s*([\w-]+)\s*-->$", re.M)
GENERATORS: dict[str, Callable[[], str]] = {
    "admin-api": admin_markdown,
    "cli": cli_markdown,
    "claims": claims_markdown,
    "errors": errors_markdown,
    "pytest-fixtures": fixtures_markdown,
    "pytest-options": pytest_markdown,
    "python-api": python_markdown,
    "settings": settings_markdown,
}


def expand(markdown: str, where: str) -> str:
    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{where}: no generator named {name!r}; known: {', '.join(sorted(GENERATORS))}")
        return GENERATORS[name]()

    return MARKER.sub(one, markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    return expand(markdown, page.file.src_uri)
