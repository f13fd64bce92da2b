"""One operation of the document compiled into what serving it needs: its parameters, security, request body
validator and documented answers.

What the mock cannot use (a `$ref` to nothing, a path parameter missing from the template, an example that breaks its
own schema, a body documented for a 204, a duplicate operation id) is a `Findings` note, and the place it was is
recorded, so the served document leaves it out; the operation is still served with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.spec.answers import (
    NO_BODY,
    Answer,
    answer_for,
    choose_success,
    compile_answer,
    refusal_statuses,
    unbuildable_status,
)
from mockserver.spec.document import RefError, follow
from mockserver.spec.findings import Findings, Place
from mockserver.spec.media import RequestMedia, compile_media, reads_into
from mockserver.spec.media_types import base_media, is_json, listed, within
from mockserver.spec.parameters import (
    LOCATIONS,
    Parameter,
    check_parameters,
    compile_parameter,
    holds_object_array,
    parameter_breaches,
    parameter_schema,
)
from mockserver.spec.schemas import Schemas, pointer
from mockserver.spec.security import PUBLIC, Security, compile_security
from mockserver.spec.shape import EMPTY, Defaults, Shape, defaults_of, shape_of
from mockserver.spec.validation import BodyValidator, body_validator, short

_TEMPLATE = re.compile(r"{([^{}/]+)}")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body: BodyValidator | None  # the JSON request body's validator (the rules, defaults and strategies read it)
    answers: dict[str, Answer] = field(default_factory=dict)  # "200", "4XX", "DEFAULT" -> the documented answer
    responses: dict[int, Answer] = field(default_factory=dict)  # those with a status of their own, by status
    shape: Shape = EMPTY  # the JSON request body's properties, required names and defaults, through allOf
    defaults: dict[str, Any] = field(default_factory=dict)  # each top-level body property when left out
    filled: Defaults = field(default_factory=Defaults)  # what a body gets for what it leaves out, branch by branch
    fields: frozenset[str] | None = None  # the top-level body properties it declares; None when it lists none
    parameters: tuple[Parameter, ...] = ()
    security: Security = PUBLIC
    body_required: bool = False
    bodies: dict[str, RequestMedia] = field(default_factory=dict)  # documented media type -> its reader, validator
    success: int = 200  # the status an accepted request gets (spec/answers.py)
    refusals: dict[int, int] = field(default_factory=dict)  # a refusal's status -> the documented one it gets
    mock: bool = False  # one of the mock's own additions (`x-mock: true`)

    def answer(self, status: int) -> Answer | None:
        """The documented response for `status`: its own, its range's or `default`."""
        return answer_for(self.answers, status)

    def unbuildable(self, status: int, reason: str) -> ApiError:
        """The refusal answered when no value of answer `status`'s schema can be built: the clearest documented
        error, naming why."""
        message = f"the mock cannot build the documented {status} answer of {self.operation_id}: {reason}"
        return ApiError(unbuildable_status(self.answers), message)

    def refusal(self, status: int) -> int:
        """The status a refusal meant as `status` gets, as documented (an invalid request's 400 may be a 422)."""
        return self.refusals.get(status, status)

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
        """Every rule the request breaks, one sentence each; `body` is NO_BODY when none was sent (JSON `null` is a
        body), else the value of the documented `media` it was sent as (JSON when None). With a `prefix` (the
        proxy's `request `), each sentence starts with it and body fields read `request body.ttl`."""
        problems = [prefix + p for p in check_parameters(self.parameters, path, query, headers, cookies)]
        validator = self.body if media is None else media.validator
        if body is NO_BODY:
            if self.body_required:
                problems.append(f"{prefix}body: is required but missing; send {self.body_wanted}")
        elif validator is not None:
            problems.extend(validator.errors(body, f"{prefix}body"))
        return problems

    def breaches(
        self,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
        body: Any,
        *,
        media: RequestMedia | None = None,
    ) -> set[tuple[str, str]]:
        """What `check_request` finds, as (field, rule) pairs bounded by the document (the coverage counters' key):
        run only for a request `check_request` refused."""
        found = parameter_breaches(self.parameters, path, query, headers, cookies)
        validator = self.body if media is None else media.validator
        if body is NO_BODY:
            if self.body_required:
                found.add(("body", "required"))
        elif validator is not None:
            found |= validator.breaches(body, "body")
        return found

    @property
    def body_wanted(self) -> str:
        """What body to send, for a sentence: `a JSON object`, or the documented media types."""
        if not self.bodies or all(map(is_json, self.bodies)):
            return "a JSON object"
        return f"a body as {listed(self.bodies)}"

    def check_response(self, status: int, body: Any) -> list[str]:
        """Every way an answer breaks what this operation documents (a real server's, or a recorded one); `body`
        is its JSON, None when there is none to check."""
        answer = self.answer(status)
        if answer is None:
            documented = ", ".join(sorted(self.answers)) or "none"
            return [f"response status {status} is not documented for {self.operation_id} (documented: {documented})"]
        if answer.validator is None or body is None or not answer.json:
            return []
        return answer.validator.errors(body, f"response {status} body")

    def check_answer(self, status: int, content_type: str | None, raw: bytes) -> tuple[list[str], Any]:
        """`check_response` for an answer as the wire carried it: a body where the document gives one (and none
        where it gives none), its Content-Type, then its bytes as JSON. The problems, and the JSON (None if none)."""
        answer = self.answer(status)
        if answer is None:
            return self.check_response(status, None), None
        where, documented = f"response {status}", ", ".join(answer.media)
        if not raw:
            return ([f"{where} body: is missing; the document gives {documented}"] if answer.media else []), None
        if not answer.media:
            if str(status) not in self.answers:
                return [], None  # documented only as a range or `default`, without content: nothing to hold it to
            return [f"{where} body: the document gives none, yet {len(raw)} bytes came"], None
        kind = base_media(content_type or "")
        if not any(within(kind, one) for one in answer.media):
            sent = f"{short(kind)} is not" if kind else "is missing; it should be"
            return [f"{where} Content-Type: {sent} one the document gives ({documented})"], None
        if not is_json(kind):
            return [], None  # a documented media type the mock has no validator for
        body, error = _parse_json(raw)
        if error is not None:
            return [f"{where} body: {error}"], None
        return self.check_response(status, body), body

    def error_body(self, status: int, message: str) -> Any:
        """`message` in the shape the operation documents for `status`, else the vendor's `{"error": ...}`."""
        answer = self.answer(status)
        return answer.error(message) if answer is not None else {"error": message}


def compile_operation(
    op_id: str,
    method: str,
    route: str,
    item: dict[str, Any],
    spec: dict[str, Any],
    document: dict[str, Any],
    schemas: Schemas,
    found: Findings,
) -> Operation:
    """`spec`, the operation object at `method` of path item `item`, compiled; what it cannot use goes to `found`."""
    at = pointer("paths", route, method)
    parameters = _parameters(route, method, item, spec, document, schemas, found)
    body, body_required, bodies = _request_body(spec, at, document, schemas, found)
    answers: dict[str, Answer] = {}
    for key, raw in _mapping(spec.get("responses")).items():
        name = str(key).upper()
        if not (name.isdigit() or name == "DEFAULT" or (len(name) == 3 and name[0] in "12345" and name[1:] == "XX")):
            found.leave_out(("responses", key), f"response {key!r} is not a status, a range or default; ignored")
            continue
        here = ("responses", key)
        answer = compile_answer(name, raw, here, f"{at}/responses/{_escape(str(key))}", schemas, document, found)
        if answer is not None:
            answers[name] = answer
    schemes = _mapping(_mapping(document.get("components")).get("securitySchemes"))
    credentials_required = spec.get("x-mock-credentials-required") is True
    security = compile_security(
        spec.get("security", document.get("security")), schemes, credentials_required, found.notes
    )
    shape = shape_of(body.schema, body.resolve) if body else EMPTY
    return Operation(
        operation_id=op_id,
        method=method.upper(),
        path=route,
        body=body,
        answers=answers,
        responses={int(k): a for k, a in answers.items() if k.isdigit()},
        shape=shape,
        # An empty list for a list left out, so a token always carries the lists it may hold; else the default.
        defaults={**{name: [] for name in shape.lists}, **shape.defaults},
        filled=defaults_of(body.schema, body.resolve) if body else Defaults(),
        fields=shape.names,
        parameters=tuple(parameters),
        security=security,
        body_required=body_required,
        bodies=bodies,
        success=choose_success(method, answers),
        refusals=refusal_statuses(answers),
        mock=spec.get("x-mock") is True or item.get("x-mock") is True,
    )


def _parameters(
    route: str,
    method: str,
    item: dict[str, Any],
    spec: dict[str, Any],
    document: dict[str, Any],
    schemas: Schemas,
    found: Findings,
) -> list[Parameter]:
    in_template = _TEMPLATE.findall(route)
    listed: list[tuple[Place, str, Any]] = [
        (("item", "parameters", i), pointer("paths", route, "parameters", i), p)
        for i, p in enumerate(_list(item, "parameters"))
    ]
    listed += [
        (("parameters", i), pointer("paths", route, method, "parameters", i), p)
        for i, p in enumerate(_list(spec, "parameters"))
    ]  # the operation's win
    declared: dict[tuple[str, str], tuple[dict[str, Any], Place, str]] = {}
    for place, at, raw in listed:
        try:
            param, at = follow(raw, document, at)
        except RefError as exc:
            found.leave_out(place, f"a parameter's {exc}; that parameter is ignored")
            continue
        if not isinstance(param, dict) or param.get("in") not in LOCATIONS or not isinstance(param.get("name"), str):
            found.leave_out(place, f"parameter {str(raw)[:80]} has no usable 'in' and 'name'; ignored")
        elif param["in"] == "path" and param["name"] not in in_template:
            found.leave_out(place, f"path parameter {param['name']!r} is not in the path template; it is ignored")
        else:
            declared[(param["in"], param["name"])] = (param, place, at)
    out: list[Parameter] = []
    for (location, name), (param, place, at) in declared.items():
        schema, where = parameter_schema(param)
        validator = None
        if isinstance(schema, dict):
            try:
                validator = body_validator(schemas, at + "".join("/" + _escape(w) for w in where), "request")
            except ValueError as exc:
                note = f"parameter {location}.{name}: its schema is not usable ({_line(exc)}); ignored"
                found.leave_out((*place, *where), note)
        walked = {**param, "schema": validator.schema} if validator is not None and "schema" in param else param
        compiled = compile_parameter(walked, validator)
        if compiled.media is None and holds_object_array(compiled.shape):
            found.notes.append(
                f"parameter {location}.{name}: holds an array of objects, which OpenAPI gives no way to write in a"
                f" {location}; taken as sent, unchecked"
            )
            compiled = replace(compiled, validator=None, required=False)
        out.append(compiled)
    for name in in_template:
        if ("path", name) not in declared:
            assumed = {"in": "path", "name": name, "required": True, "schema": {"type": "string"}, "x-mock": True}
            found.notes.append(f"path template names {{{name}}} but no path parameter declares it; read as a string")
            found.assumed.append(assumed)
            out.append(compile_parameter(assumed, None))
    return out


def _request_body(
    spec: dict[str, Any], at: str, document: dict[str, Any], schemas: Schemas, found: Findings
) -> tuple[BodyValidator | None, bool, dict[str, RequestMedia]]:
    """The JSON body's validator, whether a body is required, and every documented media type's reader."""
    if "requestBody" not in spec:
        return None, False, {}
    try:
        request, where = follow(spec["requestBody"], document, f"{at}/requestBody")
    except RefError as exc:
        found.leave_out(("requestBody",), f"request body: {exc}; any body is accepted unchecked")
        return None, False, {}
    request = _mapping(request)
    bodies: dict[str, RequestMedia] = {}
    for kind, raw in _mapping(request.get("content")).items():
        media, validator = _mapping(raw), None
        if isinstance(media.get("schema"), dict):
            try:
                validator = body_validator(schemas, f"{where}/content/{_escape(str(kind))}/schema", "request")
            except ValueError as exc:
                place = ("requestBody", "content", kind, "schema")
                found.leave_out(place, f"request body: {_line(exc)}; any body is accepted unchecked")
        if validator is not None and not reads_into(base_media(str(kind)), validator.schema):
            found.notes.append(
                f"request body media {kind} is accepted unchecked (the mock cannot read it as its schema)"
            )
            validator = None
        bodies.setdefault(base_media(str(kind)), compile_media(str(kind), media, validator))
    body = next((m.validator for kind, m in bodies.items() if is_json(kind)), None)
    return body, bool(request.get("required")), bodies


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _parse_json(raw: bytes) -> tuple[Any, str | None]:
    """Any JSON value, read as request bodies are (core/json_codec.py), or why the bytes are not one."""
    try:
        return parse_json(raw), None
    except ApiError as exc:
        return None, exc.message.removeprefix("body: ")
