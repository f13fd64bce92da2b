"""The Python API's reference: an mkdocstrings entry for each name of `mockserver.__all__` and
`mockserver.testing.__all__`, documented where it is defined (the public modules import names on first use)."""

from __future__ import annotations

import importlib
import sys
import types

from reference_tables import code


def _home(package: str, name: str) -> str:
    """The dotted path where `package.name` is defined."""
    value = getattr(importlib.import_module(package), name)
    if isinstance(value, types.ModuleType):
        return value.__name__
    if hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    # A constant: the loaded module below the package that holds it (getattr above has just imported it).
    holder = next(
        found
        for found, where in sorted(sys.modules.items())
        if found.startswith(f"{package}.") and where is not None and vars(where).get(name) is value
    )
    return f"{holder}.{name}"


def python_markdown() -> str:
    parts: list[str] = []
    shown: dict[str, str] = {}  # a definition's path -> the public name it is documented under
    for package in ("mockserver", "mockserver.testing"):
        module = importlib.import_module(package)
        parts.append(f"## `{package}`\n\n{(module.__doc__ or '').strip()}\n")
        for name in module.__all__:
            if name == "__version__":
                parts.append(f"### `{package}.__version__`\n\nThe installed distribution's version, a string.\n")
                continue
            home = _home(package, name)
            if home in shown:
                parts.append(f"### `{package}.{name}`\n\nThe same object as {code(shown[home])}, above.\n")
                continue
            shown[home] = f"{package}.{name}"
            parts.append(f"### `{package}.{name}`\n\n::: {home}\n    options:\n      show_root_heading: false\n")
    return "\n".join(parts)
