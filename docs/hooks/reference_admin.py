"""The admin API's reference, from its own document (mockserver/spec/admin.openapi.yaml): every operation with its
parameters, body and answers, and every schema with its properties."""

from __future__ import annotations

from typing import Any

import yaml
from reference_tables import cell, code, prose, table

from mockserver.spec.contract import ADMIN_SPEC
from mockserver.spec.document import follow

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _anchor(name: str) -> str:
    return f"schema-{name.lower()}"


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = follow(node, document, "")[0]  # the mock's own reader of references
    return found


def kind(schema: dict[str, Any] | None) -> str:
    """A schema in a few words, a referenced one as a link to its entry below."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    for combinator, word in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combinator in schema:
            return word.join(kind(part) for part in schema[combinator])
    if "enum" in schema:
        text = "one of " + ", ".join(code(value) for value in schema["enum"])
    elif schema.get("type") == "array":
        text = f"array of {kind(schema.get('items'))}"
    elif schema.get("type") == "object" and schema.get("properties"):
        text = "object with " + ", ".join(code(name) for name in schema["properties"])
    elif schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = f"object of {kind(schema['additionalProperties'])}"
    else:
        text = str(schema.get("type", "any")) + (f" ({schema['format']})" if "format" in schema else "")
    return text + (" or null" if schema.get("nullable") else "")


def _body(document: dict[str, Any], holder: dict[str, Any]) -> str:
    content = _resolve(document, holder).get("content") or {}
    return "; ".join(f"{code(media)}: {kind(spec.get('schema'))}" for media, spec in content.items()) or "none"


def _answers(document: dict[str, Any], answers: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (code(status), prose(_resolve(document, answer).get("description", "")), _body(document, answer))
        for status, answer in answers.items()
    ]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[Any]]]:
    return [
        (method, path, item[method], item.get("parameters", []))
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def _common(document: dict[str, Any]) -> dict[str, Any]:
    """The answers every operation documents alike (the same status, the same shared response)."""
    answers = [op.get("responses", {}) for _, _, op, _ in _operations(document)]
    return {status: answer for status, answer in answers[0].items() if all(a.get(status) == answer for a in answers)}


def _operation(
    document: dict[str, Any], method: str, path: str, op: dict[str, Any], shared: list[Any], common: dict[str, Any]
) -> str:
    parts = [f"## {method.upper()} `{path}` {{#{op['operationId']}}}\n", f"{op.get('summary', '')}.\n"]
    if op.get("description"):
        parts.append(f"{prose(op['description'])}\n")
    parameters = [_resolve(document, p) for p in [*shared, *op.get("parameters", [])]]
    if parameters:
        rows = [
            (
                code(p["name"]),
                p["in"],
                "yes" if p.get("required") else "no",
                kind(p.get("schema")),
                prose(p.get("description", "")),
            )
            for p in parameters
        ]
        parts.append(table(("parameter", "in", "required", "type", "description"), rows))
    if "requestBody" in op:
        body = _resolve(document, op["requestBody"])
        required = "required" if body.get("required") else "optional"
        parts.append(f"Request body ({required}): {_body(document, body)}\n")
    own = {status: answer for status, answer in op.get("responses", {}).items() if status not in common}
    parts.append(table(("status", "when", "body"), _answers(document, own)))
    return "\n".join(parts)


def _schema(name: str, schema: dict[str, Any]) -> str:
    parts = [f"### {name} {{#{_anchor(name)}}}\n"]
    if schema.get("description"):
        parts.append(f"{prose(schema['description'])}\n")
    properties = schema.get("properties")
    if properties:
        required = set(schema.get("required", ()))
        rows = [
            (code(prop), kind(spec), "yes" if prop in required else "no", prose(spec.get("description", "")))
            for prop, spec in properties.items()
        ]
        parts.append(table(("property", "type", "required", "description"), rows))
    else:
        parts.append(f"{cell(kind(schema))}\n")
    return "\n".join(parts)


def admin_markdown() -> str:
    document = yaml.safe_load(ADMIN_SPEC.read_text())
    # The description is folded YAML: each of its paragraphs is one line.
    parts = [prose(document["info"]["description"].strip()).replace("\n", "\n\n") + "\n"]
    schemes = document.get("components", {}).get("securitySchemes", {})
    if schemes:
        rows = [
            (code(name), f"{s['type']} {s.get('scheme', '')}".strip(), prose(s.get("description", "")))
            for name, s in schemes.items()
        ]
        parts.append(table(("security scheme", "kind", "description"), rows))
    common = _common(document)
    parts.append(
        "Every operation below may also answer:\n\n" + table(("status", "when", "body"), _answers(document, common))
    )
    parts += [_operation(document, *operation, common) for operation in _operations(document)]
    parts.append("## Schemas\n")
    parts += [_schema(name, schema) for name, schema in document.get("components", {}).get("schemas", {}).items()]
    return "\n".join(parts)
