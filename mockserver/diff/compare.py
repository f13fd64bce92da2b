"""Two contracts compared operation by operation: operations and methods, parameters, security, request media and
bodies, answers' statuses, media and bodies. Each operation is found in the other document by method and path
(path parameters' names aside: `/a/{id}` is `/a/{pk}`); schemas are compared by `schema.py`."""

from __future__ import annotations

import re

from mockserver.diff.model import ABSENT, ADDITIVE, BEHAVIOUR, BREAKING, Change
from mockserver.diff.schema import At, SchemaDiff
from mockserver.spec.contract import Contract, Operation
from mockserver.spec.parameters import Parameter
from mockserver.spec.security import Security

_TEMPLATE = re.compile(r"{[^{}/]+}")


def compare(old: Contract, new: Contract) -> list[Change]:
    """Every change from `old` to `new`, unordered."""
    found: list[Change] = []
    schemas = SchemaDiff(old.schemas.resolve["request"], new.schemas.resolve["request"])
    answers = SchemaDiff(old.schemas.resolve["response"], new.schemas.resolve["response"])
    before, after = _by_route(old), _by_route(new)
    for key in sorted(before.keys() - after.keys()):
        op = before[key]
        why = "every call of it fails: the new document does not list it"
        found.append(
            Change(_name(op), (), "operation removed", op.operation_id, ABSENT, BREAKING, why, op.operation_id)
        )
    for key in sorted(after.keys() - before.keys()):
        op = after[key]
        found.append(
            Change(_name(op), (), "operation added", ABSENT, op.operation_id, ADDITIVE, "new", op.operation_id)
        )
    for key in sorted(before.keys() & after.keys()):
        one, other = before[key], after[key]
        at = At(_name(other), one.operation_id, (), "request")
        found.extend(_parameters(one, other, at, schemas))
        found.extend(_security(one.security, other.security, at))
        found.extend(_request(one, other, at, schemas))
        found.extend(_answers(one, other, at, answers))
    found.extend(schemas.changes)
    found.extend(answers.changes)
    return found


def _by_route(contract: Contract) -> dict[tuple[str, str], Operation]:
    return {
        (method, _TEMPLATE.sub("{}", route.template)): op
        for route in contract.routes.paths
        for method, op in route.operations.items()
    }


def _name(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _parameters(one: Operation, other: Operation, at: At, schemas: SchemaDiff) -> list[Change]:
    out: list[Change] = []
    # Path parameters are matched by position (a renamed `{id}` is the same parameter); the rest by name.
    before, after = _keyed(one.parameters), _keyed(other.parameters)
    by_name = {p.name: p for p in other.parameters}
    for key in sorted(before.keys() - after.keys()):
        param = before[key]
        here = at.down(f"parameter {param.field}")
        here = At(here.operation, here.operation_id, here.place, "request", field=param.field)
        moved = by_name.get(param.name)
        if moved is not None and moved.location != param.location:
            why = f"a client still sending it in the {param.location} is not heard"
            out.append(here.change("parameter moved", param.location, moved.location, BREAKING, why))
        elif param.location == "path":
            continue  # its path changed too: the operation is another one
        else:
            why = "a client that sends it is accepted and the value silently ignored"
            out.append(here.change("parameter removed", param.field, ABSENT, BEHAVIOUR, why))
    for key in sorted(after.keys() - before.keys()):
        param = after[key]
        if any(p.name == param.name for p in one.parameters):
            continue  # reported as moved
        here = At(at.operation, at.operation_id, (f"parameter {param.field}",), "request", field=param.field)
        klass, why = (BREAKING, "every request must now send it") if param.required else (ADDITIVE, "optional")
        out.append(here.change("parameter added", ABSENT, param.field, klass, why if param.required else "new"))
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        here = At(at.operation, at.operation_id, (f"parameter {new.field}",), "request", field=new.field)
        if old.required != new.required:
            klass, why = (BREAKING, "a request without it is refused") if new.required else (ADDITIVE, "optional now")
            out.append(here.change("required changed", old.required, new.required, klass, why, "required"))
        # Style and explode change the spelling only of an array or object; a scalar reads the same in each.
        if (old.style, old.explode) != (new.style, new.explode) and {old.kind, new.kind} & {"array", "object"}:
            why = "the same value is now read from another spelling"
            out.append(here.change("style changed", _style(old), _style(new), BREAKING, why, "style"))
        if old.validator is not None and new.validator is not None:
            schemas.compare(old.validator.schema, new.validator.schema, here)
    return out


def _keyed(parameters: tuple[Parameter, ...]) -> dict[tuple[str, str], Parameter]:
    path = [p for p in parameters if p.location == "path"]
    keyed = {("path", f"#{i}"): p for i, p in enumerate(path)}
    keyed.update({(p.location, p.name): p for p in parameters if p.location != "path"})
    return keyed


def _style(param: Parameter) -> str:
    return f"{param.style}{' explode' if param.explode else ''}"


def _security(old: Security, new: Security, at: At) -> list[Change]:
    """Security as the credentials a request carries (kind and where), not the schemes' names."""
    before, after = _alternatives(old), _alternatives(new)
    here = At(at.operation, at.operation_id, ("security",), "request")
    out: list[Change] = []
    if old.anonymous and not new.anonymous:
        why = "a request without credentials is refused"
        out.append(here.change("anonymous access removed", True, False, BREAKING, why))
    elif new.anonymous and not old.anonymous:
        out.append(here.change("anonymous access added", False, True, ADDITIVE, "credentials are optional now"))
    for gone in sorted(before - after):
        if new.anonymous:  # still accepted, but no longer as the client it names
            why = "a request that sends only this credential is taken as anonymous"
            out.append(here.change("credential removed", gone, ABSENT, BEHAVIOUR, why))
        else:
            why = "a request that sends only this credential is refused"
            out.append(here.change("credential removed", gone, ABSENT, BREAKING, why))
    for added in sorted(after - before):
        out.append(here.change("credential added", ABSENT, added, ADDITIVE, "another way to authenticate"))
    return out


def _alternatives(security: Security) -> set[str]:
    return {
        " + ".join(sorted(f"{c.kind} in {c.location} {c.name}" for c in alternative))
        for alternative in security.alternatives
    }


def _request(one: Operation, other: Operation, at: At, schemas: SchemaDiff) -> list[Change]:
    here = At(at.operation, at.operation_id, ("request body",), "request")
    out: list[Change] = []
    if one.body_required != other.body_required:
        klass, why = (BREAKING, "a request without one is refused") if other.body_required else (ADDITIVE, "")
        why = why or "a body is optional now"
        out.append(here.change("required changed", one.body_required, other.body_required, klass, why, "required"))
    for kind in sorted(one.bodies.keys() - other.bodies.keys()):
        why = f"a body sent as {kind} is refused (415)" if other.bodies else "a body sent is no longer read"
        klass = BREAKING if other.bodies else BEHAVIOUR
        out.append(here.change("media type removed", kind, ABSENT, klass, why, kind))
    for kind in sorted(other.bodies.keys() - one.bodies.keys()):
        if one.bodies:
            out.append(here.change("media type added", ABSENT, kind, ADDITIVE, "another way to send it", kind))
        else:
            klass, why = (BREAKING, "a body is required now") if other.body_required else (ADDITIVE, "optional body")
            out.append(here.change("request body added", ABSENT, kind, klass, why))
    single = len(one.bodies.keys() & other.bodies.keys()) == 1  # the place then needs no media type
    for kind in sorted(one.bodies.keys() & other.bodies.keys()):
        old, new = one.bodies[kind].validator, other.bodies[kind].validator
        if old is not None and new is not None:
            schemas.compare(old.schema, new.schema, here if single else here.down(kind))
    return out


def _answers(one: Operation, other: Operation, at: At, schemas: SchemaDiff) -> list[Change]:
    out: list[Change] = []
    if one.success != other.success:
        why = "a client checking for the old success status sees another"
        out.append(at.change("success status changed", one.success, other.success, BREAKING, why, "success"))
    for status in sorted(one.answers.keys() - other.answers.keys()):
        here = At(at.operation, at.operation_id, (f"answer {status}",), "response", status=status)
        out.append(here.change("answer removed", status, ABSENT, BEHAVIOUR, "no longer documented as an answer"))
    for status in sorted(other.answers.keys() - one.answers.keys()):
        here = At(at.operation, at.operation_id, (f"answer {status}",), "response", status=status)
        why = "the same request may now get this status"
        out.append(here.change("answer added", ABSENT, status, BEHAVIOUR, why))
    for status in sorted(one.answers.keys() & other.answers.keys()):
        old, new = one.answers[status], other.answers[status]
        here = At(at.operation, at.operation_id, (f"answer {status}",), "response", status=status)
        for kind in sorted(set(old.media) - set(new.media)):
            why = "a client that asks for it gets another" if new.media else "answers carry no body now"
            out.append(here.change("media type removed", kind, ABSENT, BREAKING, why, kind))
        for kind in sorted(set(new.media) - set(old.media)):
            klass = BEHAVIOUR if old.media else BREAKING
            why = "answers may come as it" if old.media else "answers now carry a body"
            out.append(here.change("media type added", ABSENT, kind, klass, why, kind))
        # The body the mock sends for each: compared when it is of the same media type (another's is another body).
        if isinstance(old.schema, dict) and isinstance(new.schema, dict) and old.content_type == new.content_type:
            schemas.compare(old.schema, new.schema, here)
    return out
