"""The pytest plugin's options, from its own `pytest_addoption`: each command-line option with the ini key that
sets the same thing."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from typing import Any

from reference_tables import code, prose, table

from mockserver.testing import pytest_plugin


@dataclass
class Recorder:
    """Stands where pytest's parser stands when the plugin declares its options, and keeps what it is given."""

    options: list[tuple[tuple[str, ...], dict[str, Any]]] = field(default_factory=list)
    inis: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    groups: list[tuple[str, str]] = field(default_factory=list)

    def getgroup(self, name: str, description: str = "", **_: Any) -> Recorder:
        self.groups.append((name, description))
        return self

    def addoption(self, *names: str, **attrs: Any) -> None:
        self.options.append((names, attrs))

    def addini(self, name: str, help: str, type: str | None = None, default: Any = None) -> None:
        self.inis[name] = (help, {"type": type, "default": default})


def declared() -> Recorder:
    recorder = Recorder()
    pytest_plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    return recorder


def pytest_markdown() -> str:
    found = declared()
    rows = []
    for names, attrs in found.options:
        dest = attrs.get("dest", names[0].lstrip("-").replace("-", "_"))
        takes = "" if attrs.get("action") in ("store_true", "store_false") else f"={attrs.get('metavar', dest.upper())}"
        ini = found.inis.get(dest)
        repeat = "; repeatable" if attrs.get("action") == "append" else ""
        kind = (ini[1]["type"] or "string") if ini else ""
        rows.append(
            (
                ", ".join(code(n + takes) for n in names),
                code(dest) if ini else "",
                kind,
                prose(attrs.get("help") or "") + repeat,
            )
        )
    flagged = {attrs.get("dest") for _, attrs in found.options}
    rows += [
        (code(""), code(name), spec["type"] or "string", prose(text))
        for name, (text, spec) in found.inis.items()
        if name not in flagged
    ]
    groups = ", ".join(f"`{name}` ({description})" for name, description in found.groups)
    return f"The options' group in `pytest --help`: {groups}.\n\n" + table(
        ("command-line option", "ini key (pytest.ini, pyproject.toml)", "ini type", "what it sets"), rows
    )


def fixtures_markdown() -> str:
    """The plugin's fixtures, read from its source: each function decorated with `pytest.fixture`, its scope and
    its docstring."""
    rows = []
    for node in ast.parse(inspect.getsource(pytest_plugin)).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) == "pytest.fixture":
                scope = next(
                    (ast.literal_eval(k.value) for k in (call.keywords if call else []) if k.arg == "scope"), "function"
                )
                rows.append((code(node.name), scope, prose(" ".join((ast.get_docstring(node) or "").split()))))
    return table(("fixture", "scope", "what it gives"), rows)
