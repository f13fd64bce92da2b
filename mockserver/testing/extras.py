"""The packages users' tests need besides the mock (pytest, hypothesis, schemathesis, httpx), all brought by the
`[testing]` extra, and the one-line error that names a missing one and that extra."""

from __future__ import annotations

DISTRIBUTION = "camelai-iframe-mock"
EXTRA = "testing"
INSTALL = f"pip install '{DISTRIBUTION}[{EXTRA}]'"


class MissingDependency(ImportError):
    """An optional package a testing helper needs is not installed."""


def missing(package: str, needed_by: str) -> MissingDependency:
    return MissingDependency(
        f"{needed_by} needs {package}, which is not installed here: {INSTALL} brings it (or pip install {package})",
        name=package,
    )
