"""Loads `openapi.yaml`, checks it once, and derives what the hot path needs from it."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mockserver.spec.validation import BodyValidator, compile_body_validator

# Wheels carry the spec inside the package; a source checkout keeps it at the top level.
_PACKAGE = Path(__file__).parent.parent
DEFAULT_SPEC = _PACKAGE / "openapi.yaml" if (_PACKAGE / "openapi.yaml").exists() else _PACKAGE.parent / "openapi.yaml"
# libyaml's loader where the wheel has it: the two specs load in ~10 ms instead of ~80 ms of start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CREATE = "iframe_create_create"  # the operation the mock has its own behaviour for
ADMIN_SPEC = Path(__file__).with_name("admin.openapi.yaml")  # the admin API's own document
SESSION_PARAMETER = "MockSession"  # components.parameters entry whose schema says what a session name may be
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ContractError(Exception):
    """The spec cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Answer:
    """One documented response: its JSON body schema (inlined) and named examples."""

    status: int
    schema: dict[str, Any] | None  # None when the response is not JSON
    validator: BodyValidator | None
    examples: dict[str, Any]  # name -> value
    vendor: bool  # documented by the vendor, not an `x-mock` addition


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body: BodyValidator | None
    responses: dict[int, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    """Where the document's security schemes carry a secret: `apiKey` header, query and cookie names."""

    headers: frozenset[str] = frozenset()  # lower case
    query: frozenset[str] = frozenset()
    cookies: frozenset[str] = frozenset()


def credentials_of(document: dict[str, Any]) -> Credentials:
    """The names under which the document's `apiKey` schemes send a key (`http` schemes use Authorization)."""
    found: dict[str, set[str]] = {"header": set(), "query": set(), "cookie": set()}
    for scheme in ((document.get("components") or {}).get("securitySchemes") or {}).values():
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and isinstance(scheme.get("name"), str):
            found.get(scheme.get("in") or "", set()).add(scheme["name"])
    return Credentials(
        frozenset(n.lower() for n in found["header"]), frozenset(found["query"]), frozenset(found["cookie"])
    )


class Contract:
    """The loaded document, its operations, and the validators compiled from it at start-up."""

    def __init__(self, path: Path, document: dict[str, Any]):
        self.path = path
        self.document = document
        self.operations: dict[str, Operation] = {}
        for route, item in document.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                op_id = op.get("operationId") or f"{method} {route}"
                schema = _json_body_schema(op)
                body = compile_body_validator(_inline(schema, document, f"{route} {method}")) if schema else None
                answers = _answers(op, document, f"{route} {method}")
                self.operations[op_id] = Operation(op_id, method.upper(), route, body, answers)
        # Reusable parameters' value rules (e.g. MockSession), compiled like the bodies.
        self.credentials = credentials_of(document)
        self.parameters: dict[str, BodyValidator] = {
            name: compile_body_validator(_inline(param["schema"], document, f"parameter {name}"))
            for name, param in (document.get("components", {}).get("parameters") or {}).items()
            if isinstance(param, dict) and isinstance(param.get("schema"), dict)
        }
        marker = "\x00servers\x00"
        encoded = json.dumps({**document, "servers": marker}).encode()
        self._served_head, _, self._served_tail = encoded.partition(json.dumps(marker).encode())

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def served(self, base_url: str) -> bytes:
        """The document as JSON, with the mock's own URL as its only server.

        The document is encoded once; each answer only splices in its servers, so neither time nor memory
        grows with the number of distinct Host headers seen.
        """
        servers = json.dumps([{"url": base_url, "description": "this mock", "x-mock": True}]).encode()
        return self._served_head + servers + self._served_tail


def load_contract(path: str | os.PathLike[str] | None = None, *, check_cache: Path | None = None) -> Contract:
    """Read and check the spec; every failure is a ContractError naming the file."""
    spec_path = Path(path) if path else DEFAULT_SPEC
    try:
        raw = spec_path.read_bytes()
    except FileNotFoundError:
        raise ContractError(f"{spec_path}: no such file") from None
    except OSError as exc:
        raise ContractError(f"{spec_path}: cannot be read ({exc.strerror})") from None
    try:
        document = yaml.load(raw, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ContractError(f"{spec_path}: not valid YAML or JSON: {exc}") from None
    if not isinstance(document, dict) or "openapi" not in document:
        raise ContractError(f"{spec_path}: not an OpenAPI document (no top-level 'openapi' field)")
    _check_with_openapi_core(spec_path, raw, document, check_cache)
    try:
        return Contract(spec_path, document)
    except ValueError as exc:
        raise ContractError(f"{spec_path}: {exc}") from None


def _check_with_openapi_core(path: Path, raw: bytes, document: dict[str, Any], cache: Path | None) -> None:
    """openapi-core's own spec check, remembered by content hash.

    Importing openapi-core costs about 0.5 s, the whole start-up budget; a spec whose exact
    bytes passed before under the same openapi-core version is not checked again.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(raw + version("openapi-core").encode()).hexdigest()
    marker = (cache or _default_cache()) / f"{digest}.ok"
    if marker.exists():
        return
    from openapi_core import OpenAPI
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        OpenAPI.from_dict(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.path) if getattr(exc, "path", None) else "document"
        raise ContractError(f"{path}: not a valid OpenAPI document at {where}: {exc.message}") from None
    except Exception as exc:  # openapi-core raises several unrelated types for broken specs
        raise ContractError(f"{path}: rejected by openapi-core: {exc}") from None
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # no writable cache: the next start simply checks again


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "camelai-iframe-mock" / "checked-specs"


def _json_body_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    return media.get("schema") if media else None


def _answers(op: dict[str, Any], document: dict[str, Any], where: str) -> dict[int, Answer]:
    """The operation's responses with a numeric status (`default` and `4XX` ranges are not answers)."""
    out: dict[int, Answer] = {}
    for status, raw in (op.get("responses") or {}).items():
        if not str(status).isdigit():
            continue
        response = _inline(raw, document, f"{where} {status}")
        media = (response.get("content") or {}).get("application/json") or {}
        schema = media.get("schema")
        examples = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items()}
        if "example" in media:
            examples.setdefault("example", media["example"])
        validator = compile_body_validator(schema) if schema is not None else None
        out[int(status)] = Answer(int(status), schema, validator, examples, response.get("x-mock") is not True)
    return out


def _inline(node: Any, document: dict[str, Any], where: str, seen: tuple[str, ...] = ()) -> Any:
    """Resolve local `$ref`s once, so no reference is followed per request."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise ValueError(f"{where}: only local $refs are supported, not {ref!r}")
            if ref in seen:
                raise ValueError(f"{where}: recursive $ref {ref!r} is not supported")
            target: Any = document
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise ValueError(f"{where}: $ref {ref!r} points at nothing")
                target = target[part]
            return _inline(target, document, where, (*seen, ref))
        return {k: _inline(v, document, where, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, document, where, seen) for v in node]
    return node


def strip_mock_additions(node: Any) -> Any:
    """The document as the vendor published it: every `x-mock: true` object removed.

    A mapping or list left empty only because its members were additions goes too.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if _is_addition(value):
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
