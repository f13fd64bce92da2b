"""The mkdocs hook behind the generated reference: `<!-- generated: NAME -->` in a page is replaced at build time by
the Markdown that GENERATORS[NAME] derives from its source, so the reference follows the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^<!--\s*generated:\s*([\w-]+)\s*-->$", re.M)
GENERATORS: dict[str, Callable[[], str]] = {}


def expand(markdown: str, where: str) -> str:
    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{where}: no generator named {name!r}; known: {', '.join(sorted(GENERATORS))}")
        return GENERATORS[name]()

    return MARKER.sub(one, markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    return expand(markdown, page.file.src_uri)
