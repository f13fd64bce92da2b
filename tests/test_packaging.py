"""What the package declares against what it imports, and what an install brings: the runtime dependencies are what
the server imports, the `testing` extra what users' tests import, no private module of another package is imported
(one exception, pinned and tested), and a fresh venv gets no test tool from a plain install."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "mockserver"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
FOR_USERS_TESTS = ("testing", "strategies.py")  # what `[testing]` is for: the plugin and the strategies
NOT_IMPORTED = {"uvloop"}  # declared for uvicorn, which picks it as its event loop
TEST_TOOLS = {"pytest", "hypothesis", "schemathesis", "mypy", "ruff", "playwright", "openapi-core", "pytest-asyncio"}
# module: why it may be imported although it is private
ALLOWED_PRIVATE = {
    "uvicorn.protocols.http.httptools_impl": "server/wire.py's 431: uvicorn pinned below the next minor, and "
    "tests/server/test_wire.py checks the class's shape",
}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement(text: str) -> str:
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)
    assert found, text
    return normal(found.group())


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (inside functions too), `from a import b` counted as `a.b`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def third_party(modules: set[str]) -> set[str]:
    roots = {module.split(".")[0] for module in modules}
    return {root for root in roots if root not in sys.stdlib_module_names and root not in ("mockserver", "__future__")}


def distributions(roots: set[str]) -> set[str]:
    owners = importlib.metadata.packages_distributions()
    return {normal(owners[root][0]) for root in roots}


def sources(for_users_tests: bool) -> list[Path]:
    """The package's modules for users' tests (`FOR_USERS_TESTS`), or all the others."""
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if (p.relative_to(PACKAGE).parts[0] in FOR_USERS_TESTS) == for_users_tests
    ]


def test_the_runtime_dependencies_are_what_the_server_imports() -> None:
    imported = distributions(third_party({m for path in sources(False) for m in imported_modules(path)}))
    declared = {requirement(r) for r in PROJECT["dependencies"]}
    assert imported - declared == set(), "imported by the server but not a runtime dependency"
    assert declared - imported - NOT_IMPORTED == set(), "a runtime dependency that nothing imports"


def test_the_testing_extra_holds_what_the_plugin_and_the_strategies_import() -> None:
    imported = distributions(third_party({m for path in sources(True) for m in imported_modules(path)}))
    declared = {requirement(r) for r in PROJECT["dependencies"]} | {
        requirement(r) for r in PROJECT["optional-dependencies"]["testing"]
    }
    assert imported - declared == set()
    assert {requirement(r) for r in PROJECT["dependencies"]} & TEST_TOOLS == set()


def private_parts(module: str) -> bool:
    """`a._b` or `a.b_impl`: a module its package keeps to itself (dunders such as `__version__` are public)."""
    return any(
        (part.startswith("_") and not part.startswith("__")) or part.endswith("_impl") for part in module.split(".")[1:]
    )


def allowed(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in ALLOWED_PRIVATE)


def test_no_private_module_of_another_package_is_imported_but_the_pinned_one() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] not in ("mockserver", *sys.stdlib_module_names)  # a dependency's, not Python's own
        and private_parts(module)
        and not allowed(module)
    }
    assert found == set()
    wire = imported_modules(PACKAGE / "server" / "wire.py")
    assert set(ALLOWED_PRIVATE) <= wire  # the exception is still needed, or it goes from this list


@pytest.mark.parametrize(
    ("module", "private"),
    [
        pytest.param("uvicorn.protocols.http.httptools_impl", True, id="impl"),
        pytest.param("starlette._utils", True, id="underscore"),
        pytest.param("aiohttp.client._helper", True, id="deep-underscore"),
        pytest.param("redis.__version__", False, id="dunder"),
        pytest.param("starlette.routing", False, id="public"),
    ],
)
def test_private_modules_are_recognised(module: str, private: bool) -> None:
    assert private_parts(module) is private


def test_a_plain_install_brings_no_test_tool_and_the_testing_extra_runs_the_readmes_example(tmp_path: Path) -> None:
    # The wheel as users get it, into a fresh venv; pip resolves the rest (its cache makes this quick).
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)], check=True, timeout=600)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True, timeout=120)
    python = str(tmp_path / "venv" / "bin" / "python")
    install = [*pip, "--python", python, "install", "--find-links", str(tmp_path / "dist")]
    subprocess.run([*install, "camelai-iframe-mock"], check=True, timeout=600)
    names = "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"
    installed = {
        normal(n) for n in subprocess.run([python, "-c", names], capture_output=True, text=True).stdout.split()
    }
    assert "camelai-iframe-mock" in installed
    assert installed & TEST_TOOLS == set()
    # Everything the server and the proxy import is there.
    server = "import mockserver.cli, mockserver.server.app, mockserver.proxy.app, mockserver.workers"
    subprocess.run([python, "-c", server], check=True, timeout=120)

    subprocess.run([*install, "camelai-iframe-mock[testing]"], check=True, timeout=600)
    readme = (ROOT / "README.md").read_text()
    example = next(code for code in re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M) if "camel_mock" in code)
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "test_example.py").write_text(example)
    (tmp_path / "users" / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path / "users",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^1 passed", done.stdout, re.M)
