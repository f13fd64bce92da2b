"""The public import surface: `mockserver.__all__`, `mockserver.testing.__all__` and the paths the README documents."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

import mockserver
import mockserver.testing


@pytest.mark.parametrize("module", [mockserver, mockserver.testing], ids=lambda m: m.__name__)
def test_all_is_sorted_and_every_name_imports(module: object) -> None:
    names: list[str] = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    for name in names:
        assert getattr(module, name) is not None, name


def test_all_names_exactly_what_the_package_exports() -> None:
    assert set(mockserver.__all__) == {*mockserver._HOMES, "__version__"}
    assert set(mockserver.testing.__all__) == set(mockserver.testing._HOMES)


def test_version_comes_from_the_package_metadata() -> None:
    assert mockserver.__version__ == version("camelai-iframe-mock")


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = mockserver.no_such_thing  # type: ignore[attr-defined]


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_strategies_import_neither_the_server_nor_starlettes_routing() -> None:
    loaded = imported_after("import mockserver.strategies")
    assert "starlette.routing" not in loaded
    assert not {m for m in loaded if m.startswith(("mockserver.server", "mockserver.mock"))}


def test_the_documented_paths_keep_working() -> None:
    from mockserver import strategies
    from mockserver.strategies import create_requests
    from mockserver.testing import transport

    assert strategies.create_requests is create_requests
    t = transport()
    assert t.url.startswith("http")
    run = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and "--spec" in run.stdout
