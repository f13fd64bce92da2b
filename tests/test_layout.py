"""The layering rules of ARCHITECTURE.md, read off the source: which subpackage may import what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "mockserver"
WEB = ("starlette", "uvicorn", "httpx")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
# Each module's text, read once at collection (ast.parse late in a long session has hit a CPython 3.11 SystemError).
SOURCES = {name: path.read_text() for name, path in MODULES.items()}
TREES = {name: ast.parse(text) for name, text in SOURCES.items()}


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module the file imports (inside functions too, unless `top_level_only`); TYPE_CHECKING blocks excluded."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(
                f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES
            )
    if not top_level_only:  # ast.walk also enters TYPE_CHECKING blocks: take those imports out again
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        found.discard(inner.module)
    return found


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# subpackage: (package modules it may import, third-party roots it may not import)
RULES = {
    "core": (("mockserver.core", "mockserver.config"), WEB),
    "spec": (("mockserver.spec", "mockserver.core", "mockserver.config"), WEB),
    "store": (("mockserver.store", "mockserver.core", "mockserver.config"), WEB),
    "diff": (("mockserver.diff", "mockserver.spec", "mockserver.core", "mockserver.config"), WEB),
    "server": (
        (
            "mockserver.server",
            "mockserver.core",
            "mockserver.spec",
            "mockserver.store",
            "mockserver.config",
            "mockserver.mock",
        ),
        (),
    ),
    "proxy": (
        (
            "mockserver.proxy",
            "mockserver.core",
            "mockserver.spec",
            "mockserver.store",
            "mockserver.server",
            "mockserver.config",
            "mockserver.mock",
        ),
        (),
    ),
}


@pytest.mark.parametrize("subpackage", sorted(RULES))
def test_each_subpackage_imports_only_what_its_rule_allows(subpackage: str) -> None:
    allowed, forbidden_roots = RULES[subpackage]
    broken = []
    for name, path in MODULES.items():
        if not within(name, f"mockserver.{subpackage}"):
            continue
        for imported in imports(path):
            if imported.startswith("mockserver") and not within(imported, *allowed):
                broken.append(f"{name} imports {imported}")
            if imported.split(".")[0] in forbidden_roots:
                broken.append(f"{name} imports {imported}")
    assert not broken, f"mockserver/{subpackage}/ breaks its rule in ARCHITECTURE.md:\n" + "\n".join(broken)


def test_only_the_public_surface_and_the_verify_command_reach_into_testing() -> None:
    entrances = {"mockserver", "mockserver.strategies", "mockserver.cli"}
    broken = [
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if not within(name, "mockserver.testing") and name not in entrances
        for imported in imports(path)
        if within(imported, "mockserver.testing")
    ]
    assert not broken, "\n".join(broken)


def test_only_the_top_level_reaches_into_proxy() -> None:
    entrances = {"mockserver.cli", "mockserver.workers"}  # they compose `proxy` and `serve --replay`
    broken = [
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if not within(name, "mockserver.proxy") and name not in entrances
        for imported in imports(path)
        if within(imported, "mockserver.proxy")
    ]
    assert not broken, "\n".join(broken)


def test_no_module_level_import_cycles() -> None:
    graph = {
        name: {i for i in imports(path, top_level_only=True) if i in MODULES and i != name}
        for name, path in MODULES.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = [*trail[trail.index(name) :], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for imported in sorted(graph[name]):
            # importing a.b.c runs the packages a and a.b first
            visit(imported, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_every_subpackage_is_named_in_architecture_md() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text()
    subpackages = sorted({p.parent.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("__init__.py")} - {"."})
    missing = [s for s in subpackages if f"{s}/" not in text]
    assert not missing, f"ARCHITECTURE.md does not describe: {missing}"


def _keys_by_path(tree: ast.AST) -> bool:
    """Whether the code files something under an object's `.path`: `d.setdefault(x.path, ...)` or `d[x.path] = ...`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault":
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            key = node.slice
        else:
            continue
        if isinstance(key, ast.Attribute) and key.attr == "path":
            return True
    return False


def test_the_route_table_is_built_only_in_spec_routes() -> None:
    # One path table (Contract.routes): no other module compiles templates, orders paths, or groups operations by path.
    home = "mockserver.spec.routes"
    broken = [
        name
        for name in MODULES
        if name != home
        and (
            any(word in SOURCES[name] for word in ("compile_path", "route_order", "fullmatch(path", "split_template"))
            or _keys_by_path(TREES[name])
        )
    ]
    assert not broken, f"modules building a route table of their own (read Contract.routes instead): {broken}"
    # the check sees the one place it is done: operations filed by the path their template names
    assert "by_path.setdefault(path" in SOURCES[home] and "split_template(operation.path)" in SOURCES[home]


def _strings(path: Path) -> set[str]:
    return {
        n.value
        for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_an_objects_shape_and_the_schemas_are_computed_only_in_spec() -> None:
    """Properties, defaults and required names through allOf come from spec/shape.py; references are resolved by
    the registry in spec/schemas.py. No other module reads a schema's `default`s or follows its `$ref`s itself."""
    homes = {"mockserver.spec.shape": ("allOf", "default"), "mockserver.spec.schemas": ("$ref",)}
    broken = []
    for name, path in MODULES.items():
        if within(name, "mockserver.spec") and name not in homes:
            continue  # generation and validation walk schemas by design; the rule is about the layers above
        if name in homes:
            continue
        found = _strings(path) & {"allOf", "$ref"}
        if found:
            broken.append(f"{name} reads {sorted(found)}")
    assert not broken, "read Operation.shape / the contract's Schemas instead:\n" + "\n".join(broken)
    text = MODULES["mockserver.spec.shape"].read_text()
    assert '"allOf"' in text and '"default"' in text


def _camelai_names() -> set[str]:
    import dataclasses

    from mockserver.core.camelai import CAMELAI

    found: set[str] = set()

    def collect(value: object) -> None:
        if dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                collect(getattr(value, item.name))
        elif isinstance(value, tuple):
            for item in value:
                collect(item)
        elif isinstance(value, str) and "_" in value:  # a distinctive name, not a word such as "uid" or "title"
            found.add(value)

    collect(CAMELAI)
    return found - {"cache_key", "expires_in"}  # also the mock's own names (its token lookup and page)


def test_camelai_names_live_only_in_its_table() -> None:
    names = _camelai_names()
    assert {"iframe_create_create", "knowledge_base_entries", "theme_id", "access_token"} <= names
    home = "mockserver.core.camelai"
    broken = [
        f"{name}: {sorted(_strings(path) & names)}"
        for name, path in MODULES.items()
        if name != home and _strings(path) & names
    ]
    assert not broken, "camelAI's own names written outside core/camelai.py:\n" + "\n".join(broken)
