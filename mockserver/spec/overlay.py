"""OpenAPI Overlay 1.0: the mock's additions kept apart from the vendor's document and applied to it at start-up.

An overlay is an ordered list of actions, each an RFC 9535 JSONPath `target` with an `update` merged into every node
it selects (objects merged recursively; an array gets the update appended) or `remove: true`. Targets are parsed
once, by python-jsonpath in its strict RFC 9535 mode.

An action marked `x-mock-optional: true` (an Overlay extension field) that selects nothing is not warned about: its
filter legitimately finds nothing to do in some documents. One deliberate choice where the specification leaves room: appending never adds an item equal to one the array
already holds. That keeps an overlay idempotent, so the mock's overlay applied to a document that already carries
its additions (the generated `openapi.yaml`) changes nothing.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mockserver.spec.document import SAFE_LOADER

if TYPE_CHECKING:
    from jsonpath import CompoundJSONPath, JSONPath, JSONPathMatch

# The mock's own overlay. Wheels carry contracts/ inside the package; a source checkout keeps it at the top level.
_PACKAGE = Path(__file__).parent.parent
_CONTRACTS = _PACKAGE / "contracts" if (_PACKAGE / "contracts").is_dir() else _PACKAGE.parent / "contracts"
DEFAULT_OVERLAY = _CONTRACTS / "mock.overlay.yaml"
VERSION_PREFIX = "1.0."  # the feature set this module applies; 1.0.0 and 1.0.1 alike
_ACTION_FIELDS = ("target", "description", "update", "remove")


class OverlayError(Exception):
    """The overlay cannot be used; the one-line message names the file, the field, the value and the rule."""


def load_overlay(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an Overlay 1.0 document (YAML or JSON) and check it; every problem is an OverlayError naming the file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OverlayError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OverlayError(f"{source}: cannot be read ({exc})") from None
    try:
        overlay = yaml.load(text, Loader=SAFE_LOADER)  # libyaml where the wheel has it, as for documents
    except yaml.YAMLError as exc:
        raise OverlayError(f"{source}: not valid YAML or JSON ({_one_line(exc)})") from None
    return _check(overlay, source)


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """A new document: `overlay`'s actions applied in order to a copy of `document`, which stays untouched.

    Returns the document and the warnings, one line each naming `source` (the overlay's file), the action's index,
    its target and its description: an action whose target selects nothing, or a node it cannot change.
    """
    _check(overlay, source)
    result = copy.deepcopy(document)
    warnings: list[str] = []
    for index, action in enumerate(overlay["actions"]):
        where = f"{source}: actions[{index}]: target {action['target']}"
        if action.get("description"):
            where += f' ("{" ".join(action["description"].split())}")'
        matches = list(_compile(action["target"]).finditer(result))
        if not matches:
            if action.get("x-mock-optional") is not True:  # an optional action may well find nothing to do
                warnings.append(f"{where} selects nothing in this document, so the action changes nothing")
        elif action.get("remove") is True:
            warnings.extend(f"{where}: {problem}" for problem in _remove(matches))
        else:
            for match in matches:
                warnings.extend(f"{where}: {problem}" for problem in _update(match, action["update"]))
    return result, warnings


def _update(match: JSONPathMatch, update: Any) -> list[str]:
    node = match.obj
    if isinstance(node, list):
        _append(node, [update])
        return []
    if not isinstance(node, dict):
        return [f"{_pointer(match.parts)} is {_kind(node)}; an update changes only objects and arrays"]
    if not isinstance(update, dict):
        return [
            f"{_pointer(match.parts)} is an object, which only an object update can merge into, not {_kind(update)}"
        ]
    return _merge(node, update, match.parts)


def _merge(node: dict[str, Any], update: dict[str, Any], parts: tuple[str | int, ...]) -> list[str]:
    """Merge `update` into `node` in place: objects recursively, arrays concatenated, other values replaced."""
    problems = []
    for key, value in update.items():
        if key not in node:
            node[key] = copy.deepcopy(value)  # a copy, so no two places in the document share one object
            continue
        here, there = node[key], (*parts, key)
        if isinstance(here, dict) and isinstance(value, dict):
            problems += _merge(here, value, there)
        elif isinstance(here, list) and isinstance(value, list):
            _append(here, value)
        elif isinstance(here, (dict, list)) or isinstance(value, (dict, list)):
            problems.append(
                f"{_pointer(there)} is {_kind(here)}, which {_kind(value)} cannot merge into; left as it was"
            )
        else:
            node[key] = value
    return problems


def _append(items: list[Any], new: list[Any]) -> None:
    for item in new:
        if item not in items:
            items.append(copy.deepcopy(item))


def _remove(matches: list[JSONPathMatch]) -> list[str]:
    problems = []
    indexes: dict[int, tuple[list[Any], set[int]]] = {}
    for match in matches:
        if match.parent is None:
            problems.append("selects the document itself, which cannot be removed")
            continue
        container, key = match.parent.obj, match.parts[-1]
        if isinstance(container, dict):
            container.pop(key, None)
        elif isinstance(container, list) and isinstance(key, int):
            indexes.setdefault(id(container), (container, set()))[1].add(key)
    for items, doomed in indexes.values():  # the highest index first, so the others stay where they were
        for index in sorted(doomed, reverse=True):
            del items[index]
    return problems


def _check(overlay: Any, source: str) -> dict[str, Any]:
    """Everything Overlay 1.0 asks of the document itself, each target compiled once; the overlay, checked."""
    if not isinstance(overlay, dict) or "overlay" not in overlay:
        raise OverlayError(f"{source}: not an OpenAPI Overlay document (no top-level 'overlay' field)")
    version = overlay["overlay"]
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise OverlayError(f"{source}: overlay: {version!r} is not a 1.0.x version (this mock applies Overlay 1.0)")
    info = overlay.get("info")
    if not isinstance(info, dict) or not all(isinstance(info.get(f), str) for f in ("title", "version")):
        raise OverlayError(f"{source}: info: {info!r} is not an object with the required strings title and version")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError(f"{source}: actions: {actions!r} is not a list of at least one action")
    for index, action in enumerate(actions):
        _check_action(action, f"{source}: actions[{index}]")
    return overlay


def _check_action(action: Any, where: str) -> None:
    if not isinstance(action, dict):
        raise OverlayError(f"{where}: {action!r} is not an action object")
    unknown = [k for k in action if k not in _ACTION_FIELDS and not str(k).startswith("x-")]
    if unknown:
        raise OverlayError(f"{where}: {unknown[0]!r} is not an action field (one of {', '.join(_ACTION_FIELDS)})")
    target = action.get("target")
    if not isinstance(target, str):
        raise OverlayError(f"{where}.target: {target!r} is not a string (a target is required)")
    from jsonpath import JSONPathError

    try:
        _compile(target)
    except JSONPathError as exc:
        position = exc.token.index if exc.token is not None and exc.token.index >= 0 else None
        at = f" at character {position}" if position is not None else ""
        raise OverlayError(
            f"{where}.target: {target!r} is not an RFC 9535 JSONPath query ({exc.args[0]}{at})"
        ) from None
    if "description" in action and not isinstance(action["description"], str):
        raise OverlayError(f"{where}.description: {action['description']!r} is not a string")
    remove = action.get("remove", False)
    if not isinstance(remove, bool):
        raise OverlayError(f"{where}.remove: {remove!r} is not true or false")
    if not remove and "update" not in action:
        raise OverlayError(f"{where}: has neither update nor remove: true, so it would do nothing")


@functools.cache
def _environment() -> Any:
    """RFC 9535 only: none of the library's extra syntax. Imported when an overlay is first read (a start-up whose
    documents are kept, spec/document_cache.py, reads none: the library's lexer alone costs ~40 ms to build)."""
    from jsonpath import JSONPathEnvironment

    return JSONPathEnvironment(strict=True)


@functools.lru_cache(maxsize=512)
def _compile(target: str) -> JSONPath | CompoundJSONPath:
    compiled: JSONPath | CompoundJSONPath = _environment().compile(target)
    return compiled


def _pointer(parts: tuple[str | int, ...]) -> str:
    """The RFC 6901 JSON Pointer of a node, as people know paths into an OpenAPI document."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts) if parts else "the document"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"the value {value!r}"


def _one_line(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())
