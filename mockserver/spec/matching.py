"""Whether a value meets one schema of a choice: the `oneOf` siblings and `not`s that generation must stay clear of.

The schema is compiled by jsonschema-rs once per schema object, with the parts of the document its `$ref`s reach
bundled beside it (at the places the references point to), so that a reference is followed as the mock's own
validator follows it. A schema that cannot be bundled (a reference outside the document, or hundreds of them) is
left to the caller's validator: `matches` then answers False.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import jsonschema_rs

from mockserver.spec.constraints import GenerationError, Resolve, follow

MAX_BUNDLED = 400  # references bundled with one schema at most
_CHECKERS: dict[int, tuple[Any, Any]] = {}
_KEPT = 4096


def matches(value: Any, schema: Any, resolve: Resolve | None) -> bool:
    """Whether `value` is valid against `schema` (False where that cannot be told here)."""
    if schema is True or schema is False:
        return bool(schema)
    if not isinstance(schema, dict):
        return False
    hit = _CHECKERS.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, _compile(schema, resolve))  # the schema kept too, so that its id is not reused
        if len(_CHECKERS) >= _KEPT:
            _CHECKERS.clear()
        _CHECKERS[id(schema)] = hit
    return hit[1] is not None and bool(hit[1].is_valid(value))


def _compile(schema: dict[str, Any], resolve: Resolve | None) -> Any:
    root = _bundled(schema, resolve)
    if root is None:
        return None
    draft4 = _holds(root, lambda k, v: k in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(v, bool))
    draft = jsonschema_rs.Draft4Validator if draft4 else jsonschema_rs.Draft202012Validator
    try:
        return draft(root, validate_formats=True)  # formats checked, as OpenAPI 3.0's validators do
    except (ValueError, jsonschema_rs.ValidationError):
        return None


def _bundled(schema: dict[str, Any], resolve: Resolve | None) -> dict[str, Any] | None:
    """`schema` with every document part its references reach placed beside it, at the path each `#/...` names."""
    targets: dict[str, Any] = {}
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in targets:
                if not ref.startswith("#/") or resolve is None or len(targets) >= MAX_BUNDLED:
                    return None
                try:
                    targets[ref] = follow(ref, resolve)
                except GenerationError:
                    return None
                pending.append(targets[ref])
            pending.extend(v for k, v in node.items() if k not in ("enum", "const", "default", "example"))
    root: dict[str, Any] = dict(schema)
    ours = {id(root)}  # the dicts made here: the document's own are never written into
    for ref in sorted(targets, key=len):
        parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        if parts[0] in schema:
            return None  # the reference points where the schema's own keywords are
        node = root
        for part in parts[:-1]:
            node = _child(node, part, ours)
            if node is None:
                break
        if node is not None and id(node) in ours:
            node.setdefault(parts[-1], targets[ref])
    return root


def _child(node: dict[str, Any], part: str, ours: set[int]) -> dict[str, Any] | None:
    child = node.get(part)
    if child is None and id(node) in ours:
        child = node[part] = {}
        ours.add(id(child))
    return child if isinstance(child, dict) else None


def _holds(node: Any, test: Callable[[str, Any], bool]) -> bool:
    if isinstance(node, dict):
        return any(test(k, v) or _holds(v, test) for k, v in node.items())
    if isinstance(node, list):
        return any(_holds(v, test) for v in node)
    return False
