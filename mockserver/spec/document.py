"""Reading an OpenAPI document (YAML or JSON, 3.0 or 3.1), resolving its local `$ref`s once, and stripping the mock's
additions again.

Nothing here follows a reference per request: `inline` is called at start-up, and what it cannot resolve becomes a
`RefError` that the caller turns into a warning naming the operation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader where the wheel has it: a large document loads in a tenth of the time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DIALECTS = ("3.0", "3.1")


class ContractError(Exception):
    """The document cannot be used at all; the message names the file and the problem."""


class RefError(ValueError):
    """A `$ref` that cannot be followed (to nothing, outside the document)."""


def read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The document as data; a file that is not an OpenAPI 3.0 or 3.1 document is a one-line ContractError."""
    where = Path(path)
    try:
        raw = where.read_bytes()
    except FileNotFoundError:
        raise ContractError(f"{where}: no such file") from None
    except OSError as exc:
        raise ContractError(f"{where}: cannot be read ({exc.strerror})") from None
    try:
        document = yaml.load(raw, Loader=SAFE_LOADER)  # JSON is YAML
    except yaml.YAMLError as exc:
        raise ContractError(f"{where}: not valid YAML or JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict) or "openapi" not in document:
        raise ContractError(f"{where}: not an OpenAPI document (no top-level 'openapi' field)")
    dialect(document, where)
    if not isinstance(document.get("paths", {}), dict):
        raise ContractError(f"{where}: 'paths' is not a mapping of paths to operations")
    return document


def dialect(document: dict[str, Any], where: object = "the document") -> str:
    """ "3.0" or "3.1": which schema dialect the document's schemas are written in."""
    version = str(document.get("openapi"))
    for known in DIALECTS:
        if version == known or version.startswith(known + "."):
            return known
    raise ContractError(f"{where}: openapi {version!r} is not supported; the mock reads OpenAPI 3.0 and 3.1")


def inline(node: Any, document: dict[str, Any], notes: list[str] | None = None, seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by what it points at.

    A reference back into itself (a recursive schema) is cut there and accepts anything, with a note; a
    `oneOf`/`anyOf` with a `discriminator` becomes an `anyOf` whose branches each pin the discriminating property,
    which is what the discriminator means and keeps several same-shaped branches from all matching.
    """
    if isinstance(node, list):
        return [inline(v, document, notes, seen) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            if notes is not None:
                notes.append(f"recursive $ref {ref!r} is validated only to its first level")
            return {}
        return inline(resolve(ref, document), document, notes, (*seen, ref))
    if isinstance(node.get("discriminator"), dict):
        branches = _discriminated(node, document, notes, seen)
        if branches is not None:
            rest = {k: inline(v, document, notes, seen) for k, v in node.items() if k not in _DISCRIMINATED}
            return {**rest, "anyOf": branches}
    return {k: inline(v, document, notes, seen) for k, v in node.items()}


_DISCRIMINATED = ("oneOf", "anyOf", "discriminator")


def resolve(ref: str, document: dict[str, Any]) -> Any:
    if not ref.startswith("#/"):
        raise RefError(f"$ref {ref!r} points outside the document; only local references are read")
    target: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            raise RefError(f"$ref {ref!r} points at nothing")
        target = target[part]
    return target


def _discriminated(
    node: dict[str, Any], document: dict[str, Any], notes: list[str] | None, seen: tuple[str, ...]
) -> list[Any] | None:
    prop = node["discriminator"].get("propertyName")
    members = node.get("oneOf") or node.get("anyOf")
    if not isinstance(prop, str) or not isinstance(members, list):
        return None
    refs = [m["$ref"] for m in members if isinstance(m, dict) and isinstance(m.get("$ref"), str)]
    if not refs or len(refs) != len(members):  # inline members: nothing names them, so the plain oneOf stands
        return None
    mapping: dict[str, str] = {str(k): v for k, v in (node["discriminator"].get("mapping") or {}).items()}
    for ref in refs:  # members the mapping leaves out are named by their schema's name
        if ref not in mapping.values():
            mapping[ref.rsplit("/", 1)[-1]] = ref
    return [
        {
            "allOf": [
                {"properties": {prop: {"enum": [value]}}, "required": [prop]},
                inline({"$ref": ref}, document, notes, seen),
            ]
        }
        for value, ref in mapping.items()
    ]


def strip_mock_additions(node: Any) -> Any:
    """The document as the vendor published it: every `x-mock: true` object and `x-mock-*` field removed.

    A mapping or list left empty only because its members were additions goes too.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if _is_addition(value) or str(key).startswith("x-mock-"):
                continue
            stripped = strip_mock_additions(value)
            if isinstance(value, (dict, list)) and value and not stripped:
                continue
            out[key] = stripped
        return out
    if isinstance(node, list):
        return [strip_mock_additions(v) for v in node if not _is_addition(v)]
    return node


def _is_addition(value: Any) -> bool:
    return isinstance(value, dict) and value.get("x-mock") is True
