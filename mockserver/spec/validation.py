"""Validators compiled once from the contract's schemas, with errors in the user's terms.

OpenAPI 3.0 schema objects are JSON Schema draft 4 plus a few keywords; `to_json_schema` translates the ones that
change what is valid: `nullable`, and `readOnly`/`writeOnly`, whose properties are required only in responses or only
in requests. OpenAPI 3.1 schemas are JSON Schema 2020-12 as they stand. jsonschema-rs compiles the result. A test checks
these verdicts against openapi-core's own on generated bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from mockserver.core.json_codec import field_name

# A property marked readOnly is required only in responses, one marked writeOnly only in requests.
NOT_REQUIRED_IN = {"request": "readOnly", "response": "writeOnly"}
MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class BodyValidator:
    schema: dict[str, Any]
    compiled: Any

    def errors(self, body: Any, root: str = "body") -> list[str]:
        """Every rule `body` breaks, one sentence each, sorted by field; empty when valid. `root` names the value
        itself in the sentences (`body`, `query.page`, ...)."""
        if self.compiled.is_valid(body):
            return []
        found = [_describe(e, self.schema, root) for e in self.compiled.iter_errors(body)]
        return sorted(set(found))


def compile_body_validator(schema: Any, view: str | None = None, dialect: str = "3.0") -> BodyValidator:
    """A validator for `schema` (references already inlined) as a request or response sees it (`view`)."""
    if dialect == "3.1":
        translated = _view(schema, view)
        return BodyValidator(translated, jsonschema_rs.Draft202012Validator(translated, validate_formats=False))
    translated = to_json_schema(schema, view)
    return BodyValidator(translated, jsonschema_rs.Draft4Validator(translated, validate_formats=False))


def to_json_schema(node: Any, view: str | None = None) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema draft 4, for a request or a response (`view`), or for both (None)."""
    if isinstance(node, list):
        return [to_json_schema(v, view) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v, view) for k, v in node.items() if k != "nullable"}
    _drop_required(out, view)
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _view(node: Any, view: str | None) -> Any:
    if isinstance(node, list):
        return [_view(v, view) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _view(v, view) for k, v in node.items()}
    _drop_required(out, view)
    return out


def _drop_required(schema: dict[str, Any], view: str | None) -> None:
    flag = NOT_REQUIRED_IN.get(view or "")
    props, required = schema.get("properties"), schema.get("required")
    if flag and isinstance(props, dict) and isinstance(required, list):
        kept = [n for n in required if not (isinstance(props.get(n), dict) and props[n].get(flag) is True)]
        if kept:
            schema["required"] = kept
        else:
            del schema["required"]  # draft 4 wants a non-empty list


def short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _describe(error: Any, schema: dict[str, Any], root: str = "body") -> str:
    path = list(error.instance_path)
    kind = type(error.kind).__name__
    if kind == "Required":
        missing = error.kind.property
        return f"{field_name([*path, missing], root)}: is required but missing"
    if kind == "Not":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        names = (rule.get("not") or {}).get("required") or []
        instance = error.instance if isinstance(error.instance, dict) else {}
        sent = ", ".join(f"{n}={short(instance.get(n))}" for n in names)
        if names:
            what = rule.get("description") or f"must not match {short(rule.get('not'))}"
            return f"{' + '.join(field_name([*path, n], root) for n in names)}: both sent ({sent}); {what}"
        return f"{field_name(path, root)}: {short(error.instance)} is not allowed (must not match {short(rule.get('not'))})"
    if kind == "AnyOf":
        rule = _schema_at(schema, list(error.schema_path)[:-1])
        what = rule.get("description") or "matches none of the allowed shapes"
        return f"{field_name(path, root)}: {short(error.instance)} is not accepted; {what}"
    if kind == "Enum":
        allowed = _schema_at(schema, list(error.schema_path)[:-1]).get("enum") or []
        return f"{field_name(path, root)}: {short(error.instance)} is not one of {', '.join(map(short, allowed))}"
    message: str = error.message
    prefix = json.dumps(error.instance, ensure_ascii=False, separators=(",", ":"))
    if message.startswith(prefix):
        message = f"{short(error.instance)}{message[len(prefix) :]}"
    elif len(message) > 200:
        message = message[:199] + "…"
    return f"{field_name(path, root)}: {message}"


def _schema_at(schema: Any, path: list[Any]) -> dict[str, Any]:
    node = schema
    for part in path:
        node = node[part]
    return node if isinstance(node, dict) else {}
