"""Request-body validators compiled once from the contract, with errors in the user's terms.

OpenAPI 3.0 schema objects are JSON Schema draft 4 plus a few keywords; `to_json_schema`
translates the ones that change what is valid (`nullable`) and refuses those the mock cannot
honour, then jsonschema-rs compiles the result. A test checks these verdicts against
openapi-core's own on generated bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

UNSUPPORTED = ("discriminator", "readOnly", "writeOnly")
MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class BodyValidator:
    schema: dict[str, Any]
    compiled: Any

    def errors(self, body: Any) -> list[str]:
        """Every rule `body` breaks, one sentence each, sorted by field; empty when valid."""
        if self.compiled.is_valid(body):
            return []
        found = [_describe(e, self.schema) for e in self.compiled.iter_errors(body)]
        return sorted(set(found))


def compile_body_validator(schema: dict[str, Any]) -> BodyValidator:
    translated = to_json_schema(schema, "schema")
    return BodyValidator(translated, jsonschema_rs.Draft4Validator(translated, validate_formats=False))


def to_json_schema(node: Any, where: str) -> Any:
    if isinstance(node, list):
        return [to_json_schema(v, f"{where}[{i}]") for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    for keyword in UNSUPPORTED:
        if node.get(keyword):
            raise ValueError(f"{where}: the OpenAPI keyword {keyword!r} is not supported by the mock's validator")
    out = {k: to_json_schema(v, f"{where}.{k}") for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def field_name(path: list[str | int]) -> str:
    """`["limits", "hourly"]` → `limits.hourly`; `["srcs", 0]` → `srcs[0]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _describe(error: Any, schema: dict[str, Any]) -> str:
    path = list(error.instance_path)
    kind = type(error.kind).__name__
    if kind == "Required":
        missing = error.kind.property
        return f"{field_name([*path, missing])}: is required but missing"
    if kind == "Not":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        names = (rule.get("not") or {}).get("required") or []
        instance = error.instance if isinstance(error.instance, dict) else {}
        sent = ", ".join(f"{n}={short(instance.get(n))}" for n in names)
        if names:
            what = rule.get("description") or f"must not match {short(rule.get('not'))}"
            return f"{' + '.join(field_name([*path, n]) for n in names)}: both sent ({sent}); {what}"
        return f"{field_name(path)}: {short(error.instance)} is not allowed (must not match {short(rule.get('not'))})"
    if kind == "AnyOf":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        what = rule.get("description") or "matches none of the allowed shapes"
        return f"{field_name(path)}: {short(error.instance)} is not accepted; {what}"
    if kind == "Enum":
        allowed = _schema_at(schema, list(error.schema_path)[:-1]).get("enum") or []
        return f"{field_name(path)}: {short(error.instance)} is not one of {', '.join(map(short, allowed))}"
    message: str = error.message
    prefix = json.dumps(error.instance, ensure_ascii=False, separators=(",", ":"))
    if message.startswith(prefix):
        message = f"{short(error.instance)}{message[len(prefix) :]}"
    elif len(message) > 200:
        message = message[:199] + "…"
    return f"{field_name(path)}: {message}"


def _schema_at(schema: Any, path: list[Any]) -> dict[str, Any]:
    node = schema
    for part in path:
        node = node[part]
    return node if isinstance(node, dict) else {}
