"""Reading an OpenAPI document (YAML or JSON, 3.0 or 3.1), following the references of its non-schema objects, and
stripping the mock's additions again.

Schemas are not followed here: spec/schemas.py hands them to jsonschema-rs's registry. What cannot be followed
becomes a `RefError` that the caller turns into a warning naming the operation.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import orjson
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
        document = _json(raw)
        if document is None:  # JSON is YAML too, but orjson reads it 20 times faster
            document = as_json(yaml.load(raw, Loader=SAFE_LOADER))
    except yaml.YAMLError as exc:
        raise ContractError(f"{where}: not valid YAML or JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict) or "openapi" not in document:
        raise ContractError(f"{where}: not an OpenAPI document (no top-level 'openapi' field)")
    dialect(document, where)
    if not isinstance(document.get("paths", {}), dict):
        raise ContractError(f"{where}: 'paths' is not a mapping of paths to operations")
    return document


def as_json(node: Any) -> Any:
    """YAML read as the JSON it stands for: `200:` is the key "200", `2024-01-02` the string (OpenAPI documents are
    JSON; validators, the served document and the cache all need JSON's types)."""
    if isinstance(node, dict):
        return {_key(k): as_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_json(v) for v in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    return orjson.dumps(key).decode() if isinstance(key, (bool, type(None))) else str(key)


def _json(raw: bytes) -> Any:
    """The document when it is JSON, else None (it is read as YAML)."""
    if raw.lstrip()[:1] != b"{":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def dialect(document: dict[str, Any], where: object = "the document") -> str:
    """ "3.0" or "3.1": which schema dialect the document's schemas are written in."""
    version = str(document.get("openapi"))
    for known in DIALECTS:
        if version == known or version.startswith(known + "."):
            return known
    raise ContractError(f"{where}: openapi {version!r} is not supported; the mock reads OpenAPI 3.0 and 3.1")


def follow(node: Any, document: dict[str, Any], at: str) -> tuple[Any, str]:
    """An OpenAPI object that may be a `$ref` (a parameter, response, header, example kept in components): what
    it points at, and where that is in the document (a JSON pointer; `at` when it is no reference)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            raise RefError(f"$ref {ref!r} points back at itself")
        seen.add(ref)
        node, at = resolve(ref, document), ref
    return node, at


def resolve(ref: str, document: dict[str, Any]) -> Any:
    """What the local reference `ref` points at in `document`."""
    if not ref.startswith("#/"):
        raise RefError(f"$ref {ref!r} points outside the document; only local references are read")
    target: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        elif isinstance(target, dict) and part in target:
            target = target[part]
        else:
            raise RefError(f"$ref {ref!r} points at nothing")
    return target


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
