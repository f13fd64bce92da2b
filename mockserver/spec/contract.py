"""The contract: the document in use, every operation compiled once at start-up into what serving it needs.

Any OpenAPI 3.0 or 3.1 document is read. A mistake that leaves it usable is a warning naming the operation and what
was ignored (a path parameter missing from the template, a `$ref` to nothing, a duplicate operation id, an example
that breaks its own schema), and the operation is still served where possible; the served document leaves out what
the mock ignored and lists the warnings under `x-mock-warnings`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.core.rules import defaults_of
from mockserver.spec.document import METHODS, ContractError, RefError, dialect, inline, read_document
from mockserver.spec.document import strip_mock_additions as strip_mock_additions
from mockserver.spec.overlay import DEFAULT_OVERLAY, apply_overlay, load_overlay
from mockserver.spec.parameters import LOCATIONS, Parameter, check_parameters, compile_parameter
from mockserver.spec.security import PUBLIC, Security, compile_security
from mockserver.spec.validation import BodyValidator, compile_body_validator

__all__ = [
    "ADMIN_SPEC",
    "CREATE",
    "DEFAULT_SPEC",
    "SESSION_PARAMETER",
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
CREATE = "iframe_create_create"  # the operation the mock has its own behaviour for
ADMIN_SPEC = Path(__file__).with_name("admin.openapi.yaml")  # the admin API's own document
SESSION_PARAMETER = "MockSession"  # components.parameters entry whose schema says what a session name may be
_TEMPLATE = re.compile(r"{([^{}/]+)}")
# Where a documented error shape's message goes, when the shape names no `error`: DRF's `detail`, then the rest.
_MESSAGE_FIELDS = ("error", "detail", "message", "msg", "title")


@dataclass(frozen=True)
class Answer:
    """One documented response: its JSON body schema (inlined, as a response sees it) and named examples."""

    status: int
    schema: dict[str, Any] | None  # None when the response has no JSON body
    validator: BodyValidator | None
    examples: dict[str, Any]  # name -> value, each valid against the schema
    vendor: bool  # documented by the vendor, not an `x-mock` addition


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body: BodyValidator | None  # the JSON request body's validator
    responses: dict[int, Answer] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # the `default` of each top-level body property
    parameters: tuple[Parameter, ...] = ()
    security: Security = PUBLIC
    body_required: bool = False
    success: int = 200  # the documented 2xx the mock answers with
    mock: bool = False  # one of the mock's own additions (`x-mock: true`)
    error_fields: dict[int, str] = field(default_factory=dict)  # status -> the field of its shape that says why

    def check_request(
        self,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
        body: Any,
    ) -> list[str]:
        """Every rule the request breaks, one sentence each; `body` is None when none was sent."""
        problems = check_parameters(self.parameters, path, query, headers, cookies)
        if body is None:
            if self.body_required:
                problems.append("body: is required but missing; send a JSON object")
        elif self.body is not None:
            problems.extend(self.body.errors(body))
        return problems

    def check_response(self, status: int, body: Any) -> list[str]:
        """Every way an answer breaks what this operation documents (for checking a real server's answers)."""
        answer = self.responses.get(status)
        if answer is None:
            documented = ", ".join(map(str, sorted(self.responses))) or "none"
            return [f"response status {status} is not documented for {self.operation_id} (documented: {documented})"]
        if answer.validator is None or body is None:
            return []
        return [f"response {status} {p}" for p in answer.validator.errors(body)]

    def error_body(self, status: int, message: str) -> Any:
        """`message` in the shape the operation documents for `status`, else the vendor's `{"error": ...}`."""
        return {self.error_fields.get(status, "error"): message}


class Contract:
    """The loaded document, its operations, and the validators compiled from it at start-up."""

    def __init__(self, path: Path, document: dict[str, Any], warnings: Sequence[str] = ()):
        self.path = path
        self.dialect = dialect(document, path)
        self.warnings: list[str] = list(warnings)
        self.operations: dict[str, Operation] = {}
        self.document = _compile_all(self, document)
        # Reusable parameters' value rules (e.g. MockSession), compiled like the bodies.
        self.parameters: dict[str, BodyValidator] = {}
        for name, param in ((self.document.get("components") or {}).get("parameters") or {}).items():
            try:
                schema = inline(param.get("schema"), self.document) if isinstance(param, dict) else None
                if isinstance(schema, dict):
                    self.parameters[name] = compile_body_validator(schema, "request", self.dialect)
            except (RefError, ValueError) as exc:
                self.warnings.append(f"components.parameters.{name}: {exc}; ignored")
        served = {**self.document, "servers": "\x00servers\x00"}
        if self.warnings:
            served["x-mock-warnings"] = self.warnings
        encoded = json.dumps(served).encode()
        self._served_head, _, self._served_tail = encoded.partition(json.dumps("\x00servers\x00").encode())

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

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
    document = read_document(spec_path)
    warnings: list[str] = []
    for overlay in [*([DEFAULT_OVERLAY] if mock else []), *overlays]:
        document, found = apply_overlay(document, load_overlay(overlay), str(overlay))
        warnings.extend(found)
    return Contract(spec_path, document, warnings)


def _compile_all(contract: Contract, document: dict[str, Any]) -> dict[str, Any]:
    """Compile every operation into `contract`; returns the document as served (without what was ignored)."""
    served: dict[str, Any] = json.loads(json.dumps(document))  # a copy to prune; the document stays as read
    components = _mapping(document.get("components"))
    schemes = _mapping(components.get("securitySchemes"))
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
            op_id = spec.get("operationId") or f"{method} {route}"
            if op_id in contract.operations:
                first = contract.operations[op_id]
                contract.warnings.append(
                    f"{where}: operationId {op_id!r} is also {first.method} {first.path}'s; served as '{method} {route}'"
                )
                op_id = f"{method} {route}"
            notes: list[str] = []
            try:
                operation = _compile(op_id, method, route, item, spec, document, schemes, contract.dialect, notes)
            except (RefError, ValueError) as exc:
                contract.warnings.append(f"{where} ({op_id}): {exc}; not served")
                del served["paths"][route][method]
                continue
            contract.warnings.extend(f"{where} ({op_id}): {note}" for note in notes)
            contract.operations[op_id] = operation
            _prune(served["paths"][route][method], operation)
        if route in served["paths"] and not any(m in served["paths"][route] for m in METHODS):
            del served["paths"][route]
    return served


def _compile(
    op_id: str,
    method: str,
    route: str,
    item: dict[str, Any],
    spec: dict[str, Any],
    document: dict[str, Any],
    schemes: dict[str, Any],
    dialect: str,
    notes: list[str],
) -> Operation:
    parameters = _parameters(route, item, spec, document, dialect, notes)
    body, body_required = _request_body(spec, document, dialect, notes)
    responses = _answers(spec, document, dialect, notes)
    success = _success(method, responses)
    security = compile_security(
        spec.get("security", document.get("security")), schemes, spec.get("x-mock-credentials-required") is True, notes
    )
    return Operation(
        operation_id=op_id,
        method=method.upper(),
        path=route,
        body=body,
        responses=responses,
        defaults=defaults_of(body.schema) if body else {},
        parameters=tuple(parameters),
        security=security,
        body_required=body_required,
        success=success,
        mock=spec.get("x-mock") is True or item.get("x-mock") is True,
        error_fields={s: f for s, a in responses.items() if s >= 400 and (f := _message_field(a.schema))},
    )


def _parameters(
    route: str, item: dict[str, Any], spec: dict[str, Any], document: dict[str, Any], dialect: str, notes: list[str]
) -> list[Parameter]:
    declared: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(item.get("parameters") or []), *(spec.get("parameters") or [])]:  # the operation's win
        try:
            param = inline(raw, document)
        except RefError as exc:
            notes.append(f"a parameter's {exc}; that parameter is ignored")
            continue
        if not isinstance(param, dict) or param.get("in") not in LOCATIONS or not isinstance(param.get("name"), str):
            notes.append(f"parameter {str(raw)[:80]} has no usable 'in' and 'name'; ignored")
            continue
        declared[(param["in"], param["name"])] = param
    in_template = _TEMPLATE.findall(route)
    out: list[Parameter] = []
    for (location, name), param in declared.items():
        if location == "path" and name not in in_template:
            notes.append(f"path parameter {name!r} is not in the path template; it is ignored")
            continue
        schema = param.get("schema")
        validator = compile_body_validator(schema, "request", dialect) if isinstance(schema, dict) else None
        out.append(compile_parameter(param, validator))
    for name in in_template:
        if ("path", name) not in declared:
            notes.append(f"path template names {{{name}}} but no path parameter declares it; read as a string")
            out.append(compile_parameter({"in": "path", "name": name}, None))
    return out


def _request_body(
    spec: dict[str, Any], document: dict[str, Any], dialect: str, notes: list[str]
) -> tuple[BodyValidator | None, bool]:
    if "requestBody" not in spec:
        return None, False
    request = inline(spec["requestBody"], document, notes)
    content = request.get("content") if isinstance(request, dict) else None
    media = _json_media(content)
    if media is None:
        if content:
            notes.append(f"request body media {', '.join(content)} is accepted unchecked (the mock validates JSON)")
        return None, bool(request.get("required")) if isinstance(request, dict) else False
    schema = media.get("schema")
    validator = compile_body_validator(schema, "request", dialect) if isinstance(schema, dict) else None
    return validator, bool(request.get("required"))


def _answers(spec: dict[str, Any], document: dict[str, Any], dialect: str, notes: list[str]) -> dict[int, Answer]:
    """The operation's responses with a numeric status (`default` and `4XX` ranges are not answers)."""
    out: dict[int, Answer] = {}
    for status, raw in (spec.get("responses") or {}).items():
        if not str(status).isdigit():
            continue
        code = int(status)
        try:
            response = inline(raw, document, notes)
        except RefError as exc:
            notes.append(f"response {status}: {exc}; answered without a body")
            continue
        media = _json_media(response.get("content") if isinstance(response, dict) else None) or {}
        schema = media.get("schema")
        if code == 204 and media:
            notes.append("response 204 declares a body, which a 204 cannot have; served without it")
        if code == 204 or not isinstance(schema, dict) or not _has_shape(schema):
            schema = None  # 204 never has a body; a schema with nothing but a description says nothing
        validator = compile_body_validator(schema, "response", dialect) if schema is not None else None
        examples = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items() if isinstance(ex, dict)}
        if "example" in media:
            examples.setdefault("example", media["example"])
        for name, value in list(examples.items()):
            problems = validator.errors(value) if validator else []
            if problems:
                notes.append(f"response {status} example {name!r} breaks its own schema ({problems[0]}); not served")
                del examples[name]
        out[code] = Answer(code, schema, validator, examples, not (isinstance(raw, dict) and raw.get("x-mock") is True))
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json_media(content: Any) -> dict[str, Any] | None:
    if not isinstance(content, dict):
        return None
    for kind, media in content.items():
        base = str(kind).partition(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json"):
            return media if isinstance(media, dict) else {}
    return None


def _has_shape(schema: dict[str, Any]) -> bool:
    return any(k not in ("description", "title", "example", "examples") for k in schema)


def _success(method: str, responses: Mapping[int, Answer]) -> int:
    """The documented 2xx the mock answers: 201 for a create and 204 for a delete where documented, else the
    first; 200 when none is documented."""
    documented = sorted(s for s in responses if 200 <= s < 300)
    preferred = {"post": 201, "delete": 204}.get(method)
    if preferred in documented:
        return preferred
    return documented[0] if documented else 200


def _message_field(schema: dict[str, Any] | None) -> str | None:
    """Which string property of an error shape says why: `error`, `detail`, ... or its first required string."""
    props = (schema or {}).get("properties") or {}
    strings = [name for name, sub in props.items() if isinstance(sub, dict) and sub.get("type") == "string"]
    for name in (*_MESSAGE_FIELDS, *((schema or {}).get("required") or ()), *strings):
        if name in strings:
            return str(name)
    return None


def _prune(served: dict[str, Any], operation: Operation) -> None:
    """Leave out of the served operation what the mock ignored: examples that break their schema, parameters
    missing from the path template, a 204's body."""
    for status, response in (served.get("responses") or {}).items():
        if str(status) == "204" and isinstance(response, dict):
            response.pop("content", None)  # no 204 has a body (the mock sends none)
        answer = operation.responses.get(int(status)) if str(status).isdigit() else None
        media = _json_media(response.get("content") if isinstance(response, dict) else None)
        if answer is None or media is None:
            continue
        if isinstance(media.get("examples"), dict):
            media["examples"] = {k: v for k, v in media["examples"].items() if k in answer.examples}
            if not media["examples"]:
                del media["examples"]
        if "example" in media and "example" not in answer.examples:
            del media["example"]
    kept = {(p.location, p.name) for p in operation.parameters}
    if isinstance(served.get("parameters"), list):
        served["parameters"] = [
            p
            for p in served["parameters"]
            if not (isinstance(p, dict) and p.get("in") == "path" and ("path", p.get("name")) not in kept)
        ]
