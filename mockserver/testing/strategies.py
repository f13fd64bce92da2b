"""Hypothesis strategies for fuzzing client code, all drawn from `openapi.yaml` at run time.

- `create_requests()`: request bodies the mock accepts.
- `invalid_create_requests()`: raw requests it rejects, each an `InvalidRequest(content, body, reason)`: send
  `content=` (bytes; some are not JSON at all), not `json=`.
- `invalid_create_bodies()`: JSON bodies it rejects, to send with `json=`.
- `create_responses()`, `error_responses()`: response bodies valid against the spec, leaning on edges
  (the request's ttl bounds as `expires_in`, empty, long and non-ASCII strings, unknown extra fields).
- `responses()`: `(status, body)` for every documented status of the create operation.

Request and schema-shaped bodies come from schemathesis (imported when a strategy is first built);
response schemas go through a one-operation spec whose request body is the response schema.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from mockserver.testing.extras import missing

try:
    from hypothesis import strategies as st
except ModuleNotFoundError:
    raise missing("hypothesis", "mockserver.strategies") from None

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import parse_json
from mockserver.spec.answers import NO_BODY
from mockserver.spec.contract import CREATE, Answer, Contract, load_contract
from mockserver.spec.generate import generate, integer_edges

__all__ = [
    "InvalidRequest",
    "create_requests",
    "create_responses",
    "error_responses",
    "invalid_create_bodies",
    "invalid_create_requests",
    "rejection",
    "responses",
]


@dataclass(frozen=True)
class InvalidRequest:
    """A create request the mock rejects with a 400, as the bytes to send:

        client.post("/api/v1/iframe/create", content=invalid.content, headers=invalid.headers)

    Not `json=invalid` (nor `json=invalid.body`): some are not JSON at all, and re-encoding would change the others.
    For bodies to pass as `json=`, draw from `invalid_create_bodies()` instead.
    """

    content: bytes  # the body exactly as to send: may be empty, not JSON, or JSON that is no object
    body: Any  # `content` parsed as JSON; None when it is not JSON (or is JSON's null)
    reason: str  # the mock's 400 `error`, word for word

    @property
    def headers(self) -> dict[str, str]:
        """The Content-Type to send `content` with."""
        return {"Content-Type": "application/json"}


def _contract(spec: str | Contract | None) -> Contract:
    """`spec`: a document's path (with the mock's overlay), an already loaded Contract, or None for the bundled one."""
    return spec if isinstance(spec, Contract) else _loaded(spec)


@lru_cache(maxsize=4)
def _loaded(spec: str | None) -> Contract:
    return load_contract(spec)


def _schemathesis_operation(document: dict[str, Any], path: str, method: str) -> Any:
    try:
        import schemathesis
    except ModuleNotFoundError:
        raise missing("schemathesis", "mockserver.strategies") from None
    return schemathesis.openapi.from_dict(copy.deepcopy(document))[path][method]


def _body_strategy(document: dict[str, Any], path: str, method: str, negative: bool = False) -> st.SearchStrategy[Any]:
    operation = _schemathesis_operation(document, path, method)  # first: it says if schemathesis is missing
    from schemathesis.generation import GenerationMode

    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    cases = operation.as_strategy(generation_mode=mode)
    return cast(st.SearchStrategy[Any], cases.map(lambda case: case.body))


def rejection(content: bytes, contract: Contract | None = None) -> str | None:
    """Why the mock answers 400 to a create with this body (its `error`), or None if it accepts it."""
    operation = (contract or _contract(None)).operation(CREATE)
    body: Any = NO_BODY  # an empty body is no body, as the mock reads one
    if content:
        try:
            body = parse_json(content)
        except ApiError as exc:
            return exc.message
    return "; ".join(operation.check_request({}, {}, {}, {}, body)) or None


@lru_cache(maxsize=16)  # a strategy is built once per document, however many examples draw from it
def create_requests(spec: str | Contract | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Create bodies valid against the contract (and accepted by the mock)."""
    contract = _contract(spec)
    operation = contract.operation(CREATE)
    validator = operation.body
    assert validator is not None
    bodies = _body_strategy(contract.document, operation.path, operation.method)
    return bodies.filter(lambda body: isinstance(body, dict) and not validator.errors(body))


def _invalid(content: bytes, contract: Contract) -> InvalidRequest | None:
    reason = rejection(content, contract)
    if reason is None:
        return None
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    return InvalidRequest(content, body, reason)


def _encoded(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@lru_cache(maxsize=16)  # a strategy is built once per document, however many examples draw from it
def invalid_create_requests(spec: str | Contract | None = None) -> st.SearchStrategy[InvalidRequest]:
    """Bodies the mock rejects with a 400, each with its reason: schema violations (schemathesis'
    negative cases), non-JSON, non-objects, and the spec's mutually exclusive fields sent together."""
    contract = _contract(spec)
    operation = contract.operation(CREATE)
    assert operation.body is not None
    negative = _body_strategy(contract.document, operation.path, operation.method, negative=True).map(_encoded)
    not_json = st.one_of(st.just(b""), st.text(min_size=1).map(lambda t: ("{" + t).encode()))
    not_object = st.one_of(st.lists(st.integers(), max_size=3), st.integers(), st.text(), st.booleans(), st.none())
    sources = [negative, not_json, not_object.map(_encoded)]
    for names in operation.shape.exclusive:  # `not: {required: [a, b]}`: a and b are mutually exclusive
        sources.append(_with_all_of(create_requests(spec), operation.shape.properties, names).map(_encoded))
    found = st.one_of(sources).map(lambda content: _invalid(content, contract)).filter(_is_invalid)
    return cast(st.SearchStrategy[InvalidRequest], found)


def _is_invalid(value: InvalidRequest | None) -> bool:
    return value is not None


@lru_cache(maxsize=16)
def invalid_create_bodies(spec: str | Contract | None = None) -> st.SearchStrategy[Any]:
    """JSON bodies the mock rejects with a 400, to send with `json=`: schema violations, JSON values that are no
    object, the mutually exclusive fields together. The mock's reason for one: `rejection(json.dumps(body).encode())`.
    """
    contract = _contract(spec)

    def still_invalid(body: Any) -> bool:  # as a client sends it: encoded afresh
        return body is not None and rejection(json.dumps(body).encode(), contract) is not None

    bodies = invalid_create_requests(spec).map(lambda invalid: invalid.body)
    return bodies.filter(still_invalid)


def _with_all_of(
    bodies: st.SearchStrategy[dict[str, Any]], properties: dict[str, Any], names: tuple[str, ...]
) -> st.SearchStrategy[dict[str, Any]]:
    def add(body: dict[str, Any], rng: Any) -> dict[str, Any]:
        return {**body, **{name: generate(properties.get(name, {}), rng) for name in names}}

    return st.builds(add, bodies, st.randoms(use_true_random=False))


def _answer_bodies(answer: Answer, edges: tuple[int, ...]) -> st.SearchStrategy[Any]:
    assert answer.schema is not None
    validator = answer.validator
    document = {
        "openapi": "3.0.3",
        "info": {"title": f"response {answer.status}", "version": "1"},
        "paths": {
            "/body": {
                "post": {
                    "requestBody": {"required": True, "content": {"application/json": {"schema": answer.schema}}},
                    "responses": {"200": {"description": "unused"}},
                }
            }
        },
    }
    drawn = _body_strategy(document, "/body", "POST")
    resolve = validator.resolve if validator else None
    edged = st.randoms(use_true_random=False).map(
        lambda rng: generate(answer.schema or {}, rng, validator, edges, resolve=resolve)
    )
    examples = [st.just(value) for value in answer.examples.values()]
    both = st.one_of(drawn, edged, *examples)
    return both.filter(lambda body: validator is None or not validator.errors(body))


def _create_answers(spec: str | Contract | None) -> tuple[dict[int, Answer], tuple[int, ...]]:
    operation = _contract(spec).operation(CREATE)
    body = operation.body
    edges = integer_edges(body.schema, resolve=body.resolve) if body else ()
    return {s: a for s, a in operation.responses.items() if a.schema is not None}, edges


def create_responses(spec: str | Contract | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of the create's success answers (2xx), valid against the spec."""
    answers, edges = _create_answers(spec)
    return st.one_of([_answer_bodies(a, edges) for s, a in sorted(answers.items()) if 200 <= s < 300])


def error_responses(spec: str | Contract | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of the create's documented error answers (4xx, 5xx), valid against the spec."""
    answers, edges = _create_answers(spec)
    return st.one_of([_answer_bodies(a, edges) for s, a in sorted(answers.items()) if s >= 400])


def responses(spec: str | Contract | None = None) -> st.SearchStrategy[tuple[int, Any]]:
    """`(status, body)` for every documented answer of the create, each body valid for its status."""
    answers, edges = _create_answers(spec)
    return st.one_of([st.tuples(st.just(s), _answer_bodies(a, edges)) for s, a in sorted(answers.items())])
