"""The contract: the document in use, every operation compiled once at start-up into what serving it needs.

Any OpenAPI 3.0 or 3.1 document is read. A mistake that leaves it usable is a warning naming the operation and what
was ignored (a path parameter missing from the template, a `$ref` to nothing, a duplicate operation id, an example
that breaks its own schema), and the operation is still served where possible; the served document leaves out what
the mock ignored and lists the warnings under `x-mock-warnings`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.core.camelai import CAMELAI
from mockserver.spec.answers import Answer
from mockserver.spec.document import METHODS, ContractError, RefError, dialect, follow, read_document
from mockserver.spec.document import strip_mock_additions as strip_mock_additions
from mockserver.spec.document_cache import read_kept
from mockserver.spec.findings import Findings
from mockserver.spec.operation import Operation, compile_operation
from mockserver.spec.overlay import DEFAULT_OVERLAY
from mockserver.spec.routes import RouteTable
from mockserver.spec.schemas import Schemas, pointer
from mockserver.spec.secrets import Secrets
from mockserver.spec.validation import BodyValidator, body_validator

__all__ = [
    "ADMIN_SPEC",
    "CREATE",
    "DEFAULT_SPEC",
    "MOCK_JWKS",
    "MOCK_PAGE",
    "MOCK_TOKEN_LOOKUP",
    "SESSION_PARAMETER",
    "SESSION_QUERY",
    "Answer",
    "Contract",
    "ContractError",
    "Operation",
    "load_contract",
    "strip_mock_additions",
]

# Wheels carry the spec inside the package; a source checkout keeps it at the top level.
_PACKAGE = Path(__file__).parent.parent
DEFAULT_SPEC = _PACKAGE / "openapi.yaml" if (_PACKAGE / "openapi.yaml").exists() else _PACKAGE.parent / "openapi.yaml"
CREATE = CAMELAI.iframe_create  # the operation the mock has its own behaviour for
ADMIN_SPEC = Path(__file__).with_name("admin.openapi.yaml")  # the admin API's own document
# The mock's own operations (contracts/mock.overlay.yaml) that its endpoints and the contract suite both name.
MOCK_JWKS = "mock_jwks_retrieve"
MOCK_TOKEN_LOOKUP = "mock_iframe_token_retrieve"
MOCK_PAGE = "mock_iframe_page_retrieve"
SESSION_QUERY = "mock_session"  # its name as a query parameter, where a browser cannot send X-Mock-Session
SESSION_PARAMETER = "MockSession"  # components.parameters entry whose schema says what a session name may be


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

    def __init__(self, path: Path, document: dict[str, Any], warnings: Sequence[str] = ()):
        self.path = path
        self.dialect = dialect(document, path)
        self.warnings: list[str] = list(warnings)
        self.operations: dict[str, Operation] = {}
        self.schemas = Schemas(document, self.dialect)  # every schema, translated and compiled by the library
        self.document = _compile_all(self, document)
        self.routes = RouteTable(self.operations.values())  # the one path table: server, proxy, replay, collections
        self.warnings.extend(self.routes.warnings)
        # Reusable parameters' value rules (e.g. MockSession), compiled like the bodies.
        self.credentials = credentials_of(self.document)
        self.secrets = Secrets.of(self)  # what in a request is a credential: never journaled, recorded or echoed
        self.parameters: dict[str, BodyValidator] = {}
        for name, param in ((self.document.get("components") or {}).get("parameters") or {}).items():
            try:
                found, at = follow(param, document, pointer("components", "parameters", name))
                if isinstance(found, dict) and isinstance(found.get("schema"), dict):
                    self.parameters[name] = body_validator(self.schemas, f"{at}/schema", "request")
            except (RefError, ValueError) as exc:
                self.warnings.append(f"components.parameters.{name}: {exc}; ignored")
        served = {**self.document, "servers": "\x00servers\x00"}
        if self.warnings:
            served["x-mock-warnings"] = self.warnings
        encoded = json.dumps(served).encode()
        self._served_head, _, self._served_tail = encoded.partition(json.dumps("\x00servers\x00").encode())

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def prefixes_taking(self, query: str) -> tuple[str, ...]:
        """The path prefix, up to the first template, of each operation that declares the query parameter `query`."""
        found = {
            op.path.split("{", 1)[0]
            for op in self.operations.values()
            if any(p.location == "query" and p.name == query for p in op.parameters)
        }
        return tuple(sorted(found))

    def served(self, base_url: str) -> bytes:
        """The document as JSON, with the mock's own URL as its only server.

        The document is encoded once; each answer only splices in its servers, so neither time nor memory
        grows with the number of distinct Host headers seen.
        """
        servers = json.dumps([{"url": base_url, "description": "this mock", "x-mock": True}]).encode()
        return self._served_head + servers + self._served_tail


def load_contract(
    path: str | os.PathLike[str] | None = None, overlays: Sequence[str | os.PathLike[str]] = (), *, mock: bool = True
) -> Contract:
    """The vendor's document with the mock's overlay (unless `mock` is false) and then `overlays` applied, compiled.

    A file that cannot be used at all is a ContractError (an OverlayError for an overlay) naming it; an overlay
    action that finds nothing to change is a warning.
    """
    spec_path = Path(path) if path else DEFAULT_SPEC
    applied = [*([DEFAULT_OVERLAY] if mock else []), *overlays]

    def read() -> tuple[dict[str, Any], list[str]]:
        from mockserver.spec.overlay import apply_overlay, load_overlay  # JSONPath: only when not kept

        document, warnings = read_document(spec_path), []
        for overlay in applied:
            document, found = apply_overlay(document, load_overlay(overlay), str(overlay))
            warnings.extend(found)
        return document, warnings

    document, warnings = read_kept([spec_path, *applied], read)
    return Contract(spec_path, document, warnings)


def _compile_all(contract: Contract, document: dict[str, Any]) -> dict[str, Any]:
    """Compile every operation into `contract`; returns the document as served (without what was ignored)."""
    served: dict[str, Any] = json.loads(json.dumps(document))  # a copy to prune; the document stays as read
    for route, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            contract.warnings.append(f"paths.{route}: not a path item; ignored")
            del served["paths"][route]
            continue
        for method in METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            where = f"{method.upper()} {route}"
            if not isinstance(spec, dict):
                contract.warnings.append(f"{where}: not an operation object; not served")
                del served["paths"][route][method]
                continue
            found = Findings()
            op_id = spec.get("operationId") or f"{method} {route}"
            if op_id in contract.operations:
                first = contract.operations[op_id]
                found.leave_out(
                    ("operationId",), f"operationId {op_id!r} is also {first.method} {first.path}'s; ignored"
                )
                op_id = f"{method} {route}"
            try:
                operation = compile_operation(op_id, method, route, item, spec, document, contract.schemas, found)
            except (RefError, ValueError) as exc:
                contract.warnings.append(f"{where} ({op_id}): {exc}; not served")
                del served["paths"][route][method]
                continue
            contract.warnings.extend(f"{where} ({op_id}): {note}" for note in found.notes)
            contract.operations[op_id] = operation
            _mark_served(served["paths"][route], method, found)
        if route in served["paths"]:
            served["paths"][route] = _swept(served["paths"][route])
            if not any(m in served["paths"][route] for m in METHODS):
                del served["paths"][route]
    return served


_GONE: Any = object()  # marks a place the served document leaves out


def _mark_served(item: dict[str, Any], method: str, found: Findings) -> None:
    """In `item`, the served copy of a path item, mark what `found` says the mock ignored in `method`'s operation
    and add the path parameters it assumed; `_swept` then removes the marks."""
    operation = item[method]
    for place in found.left_out:
        node: Any = item if place[0] == "item" else operation
        steps = place[1:] if place[0] == "item" else place
        for step in steps[:-1]:
            node = _step(node, step)
        if _step(node, steps[-1]) is not None:
            node[steps[-1]] = _GONE
    if found.assumed:
        listed = operation.get("parameters")
        operation["parameters"] = [*(listed if isinstance(listed, list) else []), *found.assumed]


def _step(node: Any, step: str | int) -> Any:
    """One step down into the served document; a place behind a `$ref` (in components) is not reached."""
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None


def _swept(node: Any) -> Any:
    """`node` without its marked places; a mapping or list that only marked places filled goes too."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            kept = _swept(value)
            if value is _GONE or (isinstance(value, (dict, list)) and value and not kept):
                continue
            out[key] = kept
        return out
    if isinstance(node, list):
        return [_swept(value) for value in node if value is not _GONE]
    return node
