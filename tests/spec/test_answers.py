"""Answers as documented (issue 16, cause 3): only documented statuses, every body valid with a Content-Type, and
documented headers sent. Each is a small document the mock answered wrongly before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from mockserver.spec.contract import load_contract
from tests.conftest import ServeDocument, openapi

ERROR = {
    "type": "object",
    "properties": {"code": {"type": "integer", "minimum": 1000}, "message": {"type": "string"}},
    "required": ["code", "message"],
}


# One required integer query parameter: `?n=x` is the invalid request the refusal tests send.
INTEGER_N = [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer"}}]


def operation(responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"/x": {"get": {"operationId": "x", "responses": responses, **extra}}}


@pytest.mark.parametrize(
    ("responses", "status"),
    [
        pytest.param(
            {"default": {"description": "any", "content": {"application/json": {"schema": ERROR}}}},
            200,
            id="default-as-200",
        ),
        pytest.param(
            {"2XX": {"description": "ok", "content": {"application/json": {"schema": ERROR}}}}, 200, id="2XX-as-200"
        ),
        pytest.param({"302": {"description": "moved"}, "404": {"description": "gone"}}, 302, id="lowest-documented"),
        pytest.param({"202": {"description": "later"}, "200": {"description": "now"}}, 200, id="lowest-2xx"),
    ],
)
def test_an_operation_without_a_2xx_answers_a_documented_status(
    serve_document: ServeDocument, responses: dict[str, Any], status: int
) -> None:
    """With no documented 2xx, the mock answered 200 with an empty body."""
    r = serve_document(openapi(operation(responses))).get("/x")
    assert r.status_code == status
    if status == 200 and "200" not in responses:
        assert jsonschema_rs.validator_for(ERROR).is_valid(r.json())


def test_a_body_documented_as_any_media_type_is_json_with_its_content_type(serve_document: ServeDocument) -> None:
    """A response documented as `*/*` with a schema got an empty body and no Content-Type."""
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    r = serve_document(openapi(operation({"200": {"description": "ok", "content": {"*/*": {"schema": schema}}}}))).get(
        "/x"
    )
    assert r.headers["content-type"] == "application/json"
    assert isinstance(r.json()["id"], int)


def test_text_answers_are_text(serve_document: ServeDocument) -> None:
    content = {"text/plain": {"schema": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}}}
    r = serve_document(openapi(operation({"200": {"description": "ok", "content": content}}))).get("/x")
    assert r.headers["content-type"].startswith("text/plain")
    assert jsonschema_rs.validator_for(content["text/plain"]["schema"]).is_valid(r.text)


def test_documented_response_headers_are_sent_valid(serve_document: ServeDocument) -> None:
    """Documented response headers were never sent."""
    headers = {
        "X-Rate-Limit": {"required": True, "schema": {"type": "integer", "minimum": 10, "maximum": 20}},
        "X-Request-Id": {"schema": {"type": "string", "format": "uuid"}},
        "X-Region": {"example": "eu-west-1", "schema": {"type": "string"}},
    }
    r = serve_document(openapi(operation({"200": {"description": "ok", "headers": headers}}))).get("/x")
    assert 10 <= int(r.headers["x-rate-limit"]) <= 20
    assert len(r.headers["x-request-id"]) == 36
    assert r.headers["x-region"] == "eu-west-1"


def test_a_refusal_takes_the_documented_status_and_shape(serve_document: ServeDocument) -> None:
    """An invalid request gets 422 where only 422 is documented, in the documented error shape (its other required
    fields filled), with the reason in its message field."""
    responses = {
        "200": {"description": "ok"},
        "422": {"description": "invalid", "content": {"application/json": {"schema": ERROR}}},
    }
    r = serve_document(openapi(operation(responses, parameters=INTEGER_N))).get("/x", params={"n": "x"})
    assert r.status_code == 422
    body = r.json()
    assert jsonschema_rs.validator_for(ERROR).is_valid(body)
    assert body["message"].startswith('query.n: "x" is not of type "integer"')


AWS_ERROR = {"type": "object", "properties": {"message": {"type": "string"}}}


def aws_error(name: str) -> dict[str, Any]:
    """A response as the AWS conversions in APIs.guru write errors: a made-up 48x status named after the exception."""
    return {"description": name, "content": {"application/json": {"schema": AWS_ERROR}}}


def test_where_no_400_or_422_is_documented_an_invalid_request_gets_the_4xx_whose_description_fits(
    serve_document: ServeDocument,
) -> None:
    """An invalid request got an undocumented 400 where the document names its invalid-input error otherwise."""
    responses = {
        "200": {"description": "ok"},
        "480": aws_error("ResourceNotFoundException"),
        "481": aws_error("InvalidInputException"),
        "482": aws_error("UnauthenticatedException"),
    }
    security = {"components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}}
    doc = openapi(operation(responses, parameters=INTEGER_N, security=[{"key": []}]), **security)
    client = serve_document(doc)
    r = client.get("/x", params={"n": "x"}, headers={"X-Key": "sk-test"})
    assert r.status_code == 481
    assert r.json() == {"message": 'query.n: "x" is not of type "integer"'}
    assert client.get("/x", params={"n": "1"}).status_code == 482  # no credential: the unauthenticated one


def test_a_refusal_puts_its_message_in_a_message_field_before_a_constrained_string(
    serve_document: ServeDocument,
) -> None:
    # visma.com: `{error: anyOf [ErrorModel, null]}`, ErrorModel `{type (an enum), stack, details: [{message}]}`: the
    # message went to `error.type`, broke its enum, and the answer was a drawn template that said nothing of why.
    detail = {"type": "object", "properties": {"message": {"type": "string"}, "url": {"type": "string"}}}
    error = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["InvalidApiVersion", "ValidationError"]},
            "stack": {"type": "string"},
            "details": {"type": "array", "items": detail},
        },
    }
    nullable = {"anyOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "nullable": True}]}
    shape = {"type": "object", "properties": {"error": nullable}}
    responses = {
        "200": {"description": "ok"},
        "400": {"description": "bad", "content": {"application/json": {"schema": shape}}},
    }
    document = openapi(operation(responses, parameters=INTEGER_N), components={"schemas": {"Error": error}})
    r = serve_document(document).get("/x", params={"n": "x"})
    assert r.status_code == 400
    assert r.json()["error"]["details"][0]["message"] == 'query.n: "x" is not of type "integer"'


def test_a_refusal_whose_documented_shape_is_any_value_says_why(serve_document: ServeDocument) -> None:
    """AWS documents most exceptions as a reference to `{}`: the refusal carried a drawn value ("value 6312"), not
    its reason."""
    shape = {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationException"}}}
    responses = {"200": {"description": "ok"}, "481": {"description": "ValidationException", "content": shape}}
    doc = openapi(operation(responses, parameters=INTEGER_N), components={"schemas": {"ValidationException": {}}})
    r = serve_document(doc).get("/x", params={"n": "x"})
    assert (r.status_code, r.json()) == (481, {"error": 'query.n: "x" is not of type "integer"'})


@pytest.mark.parametrize(
    ("responses", "wanted", "status"),
    [
        pytest.param({"403": {"description": "Forbidden"}}, 401, 403, id="missing-credential-403"),
        pytest.param(
            {"480": {"description": "AccessDeniedException"}, "481": {"description": "NotAuthorizedException"}},
            401,
            481,
            id="missing-credential-unauthenticated-before-denied",
        ),
        pytest.param({"484": {"description": "AccessDeniedException"}}, 401, 484, id="missing-credential-denied"),
        pytest.param({"4XX": {"description": "client error"}}, 401, 401, id="range-covers-it"),
        pytest.param({"409": {"description": "Conflict"}}, 400, 400, id="nothing-fits-undocumented-400"),
        pytest.param(
            {"480": {"description": "MissingParameter"}, "481": {"description": "ValidationException"}},
            400,
            481,
            id="best-word-first",
        ),
        pytest.param({"404": {"$ref": "#/components/responses/NotFound"}}, 404, 404, id="own-status"),
        pytest.param({"482": {"$ref": "#/components/responses/NoSuchEntity"}}, 404, 482, id="reference-name"),
        pytest.param({"422": {"description": "Unprocessable"}}, 415, 422, id="media-type-as-invalid"),
        pytest.param({"400": {"description": "Bad request"}}, 415, 400, id="media-type-as-documented-400"),
        pytest.param({"409": {"description": "Conflict"}}, 415, 415, id="media-type-undocumented"),
    ],
)
def test_the_refusal_status_is_the_documented_one_that_fits(
    tmp_path: Path, responses: dict[str, Any], wanted: int, status: int
) -> None:
    components = {"responses": {"NotFound": {"description": "x"}, "NoSuchEntity": {"description": "no"}}}
    spec = tmp_path / "doc.json"
    spec.write_text(json.dumps(openapi(operation({"200": {"description": "ok"}, **responses}), components=components)))
    assert load_contract(spec, mock=False).operation("x").refusal(wanted) == status


def test_a_refusal_finds_the_message_s_place_inside_any_list_of_messages(serve_document: ServeDocument) -> None:
    # openbankingproject.ch (Berlin Group): `{_links, tppMessages: [{category, code, path, text}]}`; the reason was
    # nowhere in the answer, only a drawn template.
    message = {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": ["ERROR", "WARNING"]},
            "code": {"type": "string", "enum": ["FORMAT_ERROR"]},
            "path": {"type": "string"},
            "text": {"type": "string", "maxLength": 500},
        },
        "required": ["category", "code"],
    }
    shape = {
        "type": "object",
        "properties": {"_links": {"type": "object"}, "tppMessages": {"type": "array", "items": message}},
    }
    responses = {
        "200": {"description": "ok"},
        "400": {"description": "invalid", "content": {"application/json": {"schema": shape}}},
    }
    r = serve_document(openapi(operation(responses, parameters=INTEGER_N))).get("/x", params={"n": "x"})
    assert r.status_code == 400 and jsonschema_rs.validator_for(shape).is_valid(r.json())
    assert r.json()["tppMessages"][0]["text"] == 'query.n: "x" is not of type "integer"'


def test_a_refusal_documented_only_as_a_range_takes_its_shape(serve_document: ServeDocument) -> None:
    responses = {
        "200": {"description": "ok"},
        "4XX": {"description": "client", "content": {"application/json": {"schema": ERROR}}},
    }
    r = serve_document(openapi(operation(responses, parameters=INTEGER_N))).get("/x")
    assert r.status_code == 400
    assert jsonschema_rs.validator_for(ERROR).is_valid(r.json())
    assert r.json()["message"] == "query.n: is required but missing"


def test_a_pattern_the_old_draw_could_not_meet_is_answered(serve_document: ServeDocument) -> None:
    """The generator drew and re-checked 200 times, and a `pattern` it could not meet ended in a 500."""
    schema = {
        "type": "object",
        "properties": {"iban": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"}},
        "required": ["iban"],
    }
    r = serve_document(
        openapi(operation({"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}))
    ).get("/x")
    assert r.status_code == 200
    assert jsonschema_rs.validator_for(schema).is_valid(r.json())


def test_an_answer_no_value_can_meet_is_warned_about_and_answered_with_a_documented_error(
    serve_document: ServeDocument,
) -> None:
    impossible = {"type": "string", "minLength": 5, "maxLength": 2}
    responses = {
        "200": {"description": "ok", "content": {"application/json": {"schema": impossible}}},
        "503": {"description": "down", "content": {"application/json": {"schema": ERROR}}},
    }
    client = serve_document(openapi(operation(responses)))
    warnings = client.get("/openapi.json").json()["x-mock-warnings"]
    assert any(w.startswith("GET /x (x): response 200: no value its schema allows can be built") for w in warnings)
    r = client.get("/x")
    assert r.status_code == 503
    assert jsonschema_rs.validator_for(ERROR).is_valid(r.json())
    assert "cannot build the documented 200 answer of x" in r.json()["message"]


def test_without_any_success_the_lowest_status_the_vendor_documents_is_answered(serve_document: ServeDocument) -> None:
    """Not the 400 the mock's overlay adds where the vendor documents no answer for an invalid request."""
    responses = {"404": {"description": "gone"}, "410": {"description": "gone for good"}}
    client = serve_document(
        openapi(
            {
                "/x/{id}": {
                    "delete": {
                        "operationId": "x",
                        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                        "responses": responses,
                    }
                }
            }
        )
    )
    assert client.delete("/x/1").status_code == 404
    assert client.delete("/x/abc").status_code == 400  # the mock's own 400, for what it is: a refusal
