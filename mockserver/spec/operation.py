"""One operation of the document compiled into what serving it needs: its parameters, security, request body
validator and documented answers.

What the mock cannot use (a `$ref` to nothing, a path parameter missing from the template, an example that breaks its
own schema, a body documented for a 204, a duplicate operation id) is a `Findings` note, and the place it was is
recorded, so the served document leaves it out; the operation is still served with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.core.rules import defaults_of
from mockserver.spec.document import RefError, inline, resolve
from mockserver.spec.media import RequestMedia, compile_media, reads_into
from mockserver.spec.media_types import listed
from mockserver.spec.parameters import LOCATIONS, Parameter, check_parameters, compile_parameter, parameter_schema
from mockserver.spec.security import PUBLIC, Security, compile_security
from mockserver.spec.validation import BodyValidator, compile_body_validator, short

_TEMPLATE = re.compile(r"{([^{}/]+)}")
# Where a documented error shape's message goes, when the shape names no `error`: DRF's `detail`, then the rest.
_MESSAGE_FIELDS = ("error", "detail", "message", "msg", "title")

Place = tuple[str | int, ...]  # where in an operation object; one starting with "item" is in its path item


@dataclass(frozen=True)
class Answer:
    """One documented response: its JSON body schema (inlined, as a response sees it) and named examples."""

    status: int
    schema: dict[str, Any] | None  # None when the response has no JSON body
    validator: BodyValidator | None
    examples: dict[str, Any]  # name -> value, each valid against the schema
    vendor: bool  # documented by the vendor, not an `x-mock` addition
    media: tuple[str, ...] = ()  # the media types its `content` documents, lower case; empty: no body


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body: BodyValidator | None  # the JSON request body's validator (the rules, defaults and strategies read it)
    responses: dict[int, Answer] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # what each top-level body property is when left out
    fields: frozenset[str] | None = None  # the top-level body properties it declares; None when it lists none
    parameters: tuple[Parameter, ...] = ()
    security: Security = PUBLIC
    body_required: bool = False
    bodies: dict[str, RequestMedia] = field(default_factory=dict)  # documented media type -> its reader, validator
    success: int = 200  # the documented 2xx the mock answers with
    mock: bool = False  # one of the mock's own additions (`x-mock: true`)
    error_fields: dict[int, str] = field(default_factory=dict)  # status -> the field of its shape that says why
    ranges: frozenset[str] = frozenset()  # documented `default` and status ranges such as `4XX`

    def check_request(
        self,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
        body: Any,
        *,
        prefix: str = "",
        media: RequestMedia | None = None,
    ) -> list[str]:
        """Every rule the request breaks, one sentence each; `body` is None when none was sent, else the value of
        the documented `media` it was sent as (JSON when None). With a `prefix` (the proxy's `request `), each
        sentence starts with it and body fields read `request body.ttl`."""
        problems = [prefix + p for p in check_parameters(self.parameters, path, query, headers, cookies)]
        validator = self.body if media is None else media.validator
        if body is None:
            if self.body_required:
                problems.append(f"{prefix}body: is required but missing; send {self.body_wanted}")
        elif validator is not None:
            problems.extend(validator.errors(body, f"{prefix}body"))
        return problems

    @property
    def body_wanted(self) -> str:
        """What body to send, for a sentence: `a JSON object`, or the documented media types."""
        if not self.bodies or all(map(_is_json, self.bodies)):
            return "a JSON object"
        return f"a body as {listed(self.bodies)}"

    def check_response(self, status: int, body: Any) -> list[str]:
        """Every way an answer breaks what this operation documents (a real server's, or a recorded one); `body`
        is its JSON, None when there is none to check."""
        answer = self.responses.get(status)
        if answer is None:
            if "DEFAULT" in self.ranges or f"{status // 100}XX" in self.ranges:
                return []  # documented only as a range: its status is all there is to check
            documented = ", ".join(map(str, sorted(self.responses))) or "none"
            return [f"response status {status} is not documented for {self.operation_id} (documented: {documented})"]
        if answer.validator is None or body is None:
            return []
        return answer.validator.errors(body, f"response {status} body")

    def check_answer(self, status: int, content_type: str | None, raw: bytes) -> tuple[list[str], Any]:
        """`check_response` for an answer as the wire carried it: a body where the document gives one (and none
        where it gives none), its Content-Type, then its bytes as JSON. The problems, and the JSON (None if none)."""
        answer = self.responses.get(status)
        if answer is None:
            return self.check_response(status, None), None
        where, documented = f"response {status}", ", ".join(answer.media)
        if not raw:
            return ([f"{where} body: is missing; the document gives {documented}"] if answer.media else []), None
        if not answer.media:
            return [f"{where} body: the document gives none, yet {len(raw)} bytes came"], None
        kind = _base_media(content_type or "")
        if not any(_media_matches(kind, one) for one in answer.media):
            sent = f"{short(kind)} is not" if kind else "is missing; it should be"
            return [f"{where} Content-Type: {sent} one the document gives ({documented})"], None
        if not _is_json(kind):
            return [], None  # a documented media type the mock has no validator for
        body, error = _parse_json(raw)
        if error is not None:
            return [f"{where} body: {error}"], None
        return self.check_response(status, body), body

    def error_body(self, status: int, message: str) -> Any:
        """`message` in the shape the operation documents for `status`, else the vendor's `{"error": ...}`."""
        return {self.error_fields.get(status, "error"): message}


@dataclass
class Findings:
    """What compiling one operation found: notes for the warnings, and what the served document leaves out (the
    places in the operation) or adds (path parameters the mock assumed)."""

    notes: list[str] = field(default_factory=list)
    left_out: list[Place] = field(default_factory=list)
    assumed: list[dict[str, Any]] = field(default_factory=list)

    def leave_out(self, place: Place, note: str) -> None:
        self.notes.append(note)
        self.left_out.append(place)


def compile_operation(
    op_id: str,
    method: str,
    route: str,
    item: dict[str, Any],
    spec: dict[str, Any],
    document: dict[str, Any],
    dialect: str,
    found: Findings,
) -> Operation:
    """`spec`, the operation object at `method` of path item `item`, compiled; what it cannot use goes to `found`."""
    parameters = _parameters(route, item, spec, document, dialect, found)
    body, body_required, bodies = _request_body(spec, document, dialect, found)
    responses = _answers(spec, document, dialect, found)
    schemes = _mapping(_mapping(document.get("components")).get("securitySchemes"))
    credentials_required = spec.get("x-mock-credentials-required") is True
    security = compile_security(
        spec.get("security", document.get("security")), schemes, credentials_required, found.notes
    )
    return Operation(
        operation_id=op_id,
        method=method.upper(),
        path=route,
        body=body,
        responses=responses,
        defaults=defaults_of(body.schema) if body else {},
        fields=_fields(body.schema) if body else None,
        parameters=tuple(parameters),
        security=security,
        body_required=body_required,
        bodies=bodies,
        success=_success(method, responses),
        mock=spec.get("x-mock") is True or item.get("x-mock") is True,
        error_fields={s: f for s, a in responses.items() if s >= 400 and (f := _message_field(a.schema))},
        ranges=frozenset(str(s).upper() for s in _mapping(spec.get("responses")) if not str(s).isdigit()),
    )


def _parameters(
    route: str, item: dict[str, Any], spec: dict[str, Any], document: dict[str, Any], dialect: str, found: Findings
) -> list[Parameter]:
    in_template = _TEMPLATE.findall(route)
    listed: list[tuple[Place, Any]] = [(("item", "parameters", i), p) for i, p in enumerate(_list(item, "parameters"))]
    listed += [(("parameters", i), p) for i, p in enumerate(_list(spec, "parameters"))]  # the operation's win
    declared: dict[tuple[str, str], tuple[dict[str, Any], Place]] = {}
    for place, raw in listed:
        try:
            param = inline(raw, document, found.notes)
        except RefError as exc:
            found.leave_out(place, f"a parameter's {exc}; that parameter is ignored")
            continue
        if not isinstance(param, dict) or param.get("in") not in LOCATIONS or not isinstance(param.get("name"), str):
            found.leave_out(place, f"parameter {str(raw)[:80]} has no usable 'in' and 'name'; ignored")
        elif param["in"] == "path" and param["name"] not in in_template:
            found.leave_out(place, f"path parameter {param['name']!r} is not in the path template; it is ignored")
        else:
            declared[(param["in"], param["name"])] = (param, place)
    out: list[Parameter] = []
    for (location, name), (param, place) in declared.items():
        schema, where = parameter_schema(param)
        validator = None
        if isinstance(schema, dict):
            note = f"parameter {location}.{name}: its schema"
            validator = _validator(schema, "request", dialect, (*place, *where), note, found)
        out.append(compile_parameter(param, validator))
    for name in in_template:
        if ("path", name) not in declared:
            assumed = {"in": "path", "name": name, "required": True, "schema": {"type": "string"}, "x-mock": True}
            found.notes.append(f"path template names {{{name}}} but no path parameter declares it; read as a string")
            found.assumed.append(assumed)
            out.append(compile_parameter(assumed, None))
    return out


def _request_body(
    spec: dict[str, Any], document: dict[str, Any], dialect: str, found: Findings
) -> tuple[BodyValidator | None, bool, dict[str, RequestMedia]]:
    """The JSON body's validator, whether a body is required, and every documented media type's reader."""
    if "requestBody" not in spec:
        return None, False, {}
    try:
        request = _mapping(inline(spec["requestBody"], document, found.notes))
    except RefError as exc:
        found.leave_out(("requestBody",), f"request body: {exc}; any body is accepted unchecked")
        return None, False, {}
    bodies: dict[str, RequestMedia] = {}
    for kind, raw in _mapping(request.get("content")).items():
        media, schema, validator = _mapping(raw), _mapping(raw).get("schema"), None
        if isinstance(schema, dict) and not reads_into(_base_media(str(kind)), schema):
            found.notes.append(
                f"request body media {kind} is accepted unchecked (the mock cannot read it as its schema)"
            )
        elif isinstance(schema, dict):
            place = ("requestBody", "content", kind, "schema")
            validator = _validator(schema, "request", dialect, place, f"request body schema ({kind})", found)
        bodies.setdefault(_base_media(str(kind)), compile_media(str(kind), media, validator))
    body = next((m.validator for kind, m in bodies.items() if _is_json(kind)), None)
    return body, bool(request.get("required")), bodies


def _answers(spec: dict[str, Any], document: dict[str, Any], dialect: str, found: Findings) -> dict[int, Answer]:
    """The operation's responses with a numeric status (`default` and `4XX` ranges are not answers)."""
    out: dict[int, Answer] = {}
    for status, raw in _mapping(spec.get("responses")).items():
        if not str(status).isdigit():
            continue
        code, here = int(status), ("responses", status)
        try:
            response = _mapping(_followed(raw, document))
        except RefError as exc:
            found.leave_out(here, f"response {status}: {exc}; not answered")
            continue
        vendor = not (isinstance(raw, dict) and raw.get("x-mock") is True)
        kinds = tuple(_base_media(str(kind)) for kind in _mapping(response.get("content")))
        media = _json_media(response.get("content"))
        if code == 204 and response.get("content"):
            listed = ", ".join(response["content"])
            found.leave_out(
                (*here, "content"), f"response 204 documents a body ({listed}), but a 204 has none; ignored"
            )
            media, kinds = None, ()
        schema, validator, examples = None, None, {}
        if media is not None:
            kind, body = media
            place, what = (*here, "content", kind), f"response {status} schema"
            schema = _answered(_inlined(body.get("schema"), document, (*place, "schema"), what, found))
            if isinstance(schema, dict) and _has_shape(schema):  # one with nothing but a description says nothing
                validator = _validator(schema, "response", dialect, (*place, "schema"), what, found)
            schema = schema if validator else None
            examples = _examples(body, document, validator, status, place, found)
        out[code] = Answer(code, schema, validator, examples, vendor, kinds)
    return out


def _examples(
    media: dict[str, Any],
    document: dict[str, Any],
    validator: BodyValidator | None,
    status: str,
    place: Place,
    found: Findings,
) -> dict[str, Any]:
    """The media's named examples (and its `example`) that the mock can serve: resolved and valid."""
    listed = [(name, (*place, "examples", name), ex) for name, ex in _mapping(media.get("examples")).items()]
    if "example" in media:
        listed.append(("example", (*place, "example"), {"value": media["example"]}))
    out: dict[str, Any] = {}
    for name, where, raw in listed:
        example = _mapping(_inlined(raw, document, where, f"response {status} example {name!r}", found))
        if "value" not in example:
            continue
        problems = validator.errors(example["value"]) if validator else []
        if problems:
            found.leave_out(
                where, f"response {status} example {name!r} breaks its own schema ({problems[0]}); not served"
            )
        else:
            out.setdefault(name, example["value"])
    return out


def _answered(node: Any) -> Any:
    """A response schema as answers are drawn from it: without its writeOnly properties, which are never sent back."""
    if isinstance(node, list):
        return [_answered(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _answered(v) for k, v in node.items()}
    props = out.get("properties")
    if isinstance(props, dict):
        hidden = {name for name, sub in props.items() if isinstance(sub, dict) and sub.get("writeOnly") is True}
        if hidden:
            out["properties"] = {name: sub for name, sub in props.items() if name not in hidden}
            required = [name for name in out.get("required") or () if name not in hidden]
            if required:
                out["required"] = required
            else:
                out.pop("required", None)  # draft 4 wants a non-empty list
    return out


def _inlined(node: Any, document: dict[str, Any], place: Place, what: str, found: Findings) -> Any:
    """`node` inlined; one with a `$ref` to nothing is left out (None), with a note naming `what`."""
    try:
        return inline(node, document, found.notes)
    except RefError as exc:
        found.leave_out(place, f"{what}: {exc}; ignored")
        return None


def _validator(
    schema: dict[str, Any], view: str, dialect: str, place: Place, what: str, found: Findings
) -> BodyValidator | None:
    """`schema` compiled; one that is not a usable JSON Schema is left out (None: the value goes unchecked)."""
    try:
        return compile_body_validator(schema, view, dialect)
    except ValueError as exc:
        found.leave_out(place, f"{what} is not a usable schema ({str(exc).splitlines()[0]}); ignored")
        return None


def _followed(node: Any, document: dict[str, Any]) -> Any:
    """`node`, or what its `$ref` points at (a response kept in components.responses)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        node = resolve(node["$ref"], document)
    return node


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []


def _json_media(content: Any) -> tuple[str, dict[str, Any]] | None:
    """The JSON media type of `content` and its media object, if it documents one."""
    for kind, media in _mapping(content).items():
        if _is_json(_base_media(str(kind))):
            return kind, _mapping(media)
    return None


def _base_media(kind: str) -> str:
    """A media type without its parameters, lower case: `application/json; charset=utf-8` → `application/json`."""
    return kind.partition(";")[0].strip().lower()


def _is_json(base: str) -> bool:
    return base == "application/json" or base.endswith("+json")


def _media_matches(kind: str, documented: str) -> bool:
    """`kind` is one the document allows: the same, or within a documented `text/*` or `*/*`."""
    if documented in (kind, "*/*"):
        return True
    return documented.endswith("/*") and kind.startswith(documented[:-1])


def _parse_json(raw: bytes) -> tuple[Any, str | None]:
    """Any JSON value, read as request bodies are (core/json_codec.py), or why the bytes are not one."""
    try:
        return parse_json(raw), None
    except ApiError as exc:
        return None, exc.message.removeprefix("body: ")


def _has_shape(schema: dict[str, Any]) -> bool:
    return any(k not in ("description", "title", "example", "examples") for k in schema)


def _fields(schema: dict[str, Any]) -> frozenset[str] | None:
    """The property names a body schema declares at its top level (its own and its `allOf` members')."""
    names = set(_mapping(schema.get("properties")))
    for member in schema.get("allOf") or ():
        names.update(_mapping(_mapping(member).get("properties")))
    return frozenset(names) or None


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
