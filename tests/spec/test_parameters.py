"""Parameters in each location, read from their strings and checked against their schema: a wrong value or a
missing required one is a 400 that names the field (`path.id`, `query.page`, ...), the value and the rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.spec.parameters import Parameter, check_parameters, compile_parameter, parameter_breaches
from mockserver.spec.validation import compile_body_validator
from tests.conftest import ServeDocument, answers, openapi


def integer(location: str, name: str) -> dict[str, Any]:
    return {"in": location, "name": name, "required": True, "schema": {"type": "integer", "minimum": 1}}


DOCUMENT = openapi(
    {
        "/things/{id}": {
            "get": {
                "operationId": "thing_get",
                "parameters": [
                    integer("path", "id"),
                    integer("query", "page"),
                    integer("header", "X-Page-Size"),
                    integer("cookie", "tenant"),
                    {"in": "query", "name": "tags", "schema": {"type": "array", "items": {"type": "integer"}}},
                ],
                "responses": answers(),
            }
        }
    }
)
GOOD = {"path": "7", "query": "2", "header": "50", "cookie": "3"}
HEADERS = {"X-Page-Size": "50", "Cookie": "tenant=3"}


def call(client: httpx.Client, **values: str | None) -> httpx.Response:
    """GET /things/{id} with every parameter valid but those in `values` (None: not sent)."""
    sent = {**GOOD, **values}
    query = {"page": sent["query"]} if sent["query"] is not None else {}
    headers = {"X-Page-Size": sent["header"]} if sent["header"] is not None else {}
    if sent["cookie"] is not None:
        headers["Cookie"] = f"tenant={sent['cookie']}"
    return client.get(f"/things/{sent['path']}", params=query, headers=headers)


@pytest.fixture
def client(serve_document: ServeDocument) -> httpx.Client:
    return serve_document(DOCUMENT)


def test_valid_parameters_in_every_location_are_accepted(client: httpx.Client) -> None:
    answer = call(client)
    assert answer.status_code == 200 and isinstance(answer.json()["id"], int)


@pytest.mark.parametrize(
    ("location", "field"),
    [
        pytest.param("path", "path.id", id="path"),
        pytest.param("query", "query.page", id="query"),
        pytest.param("header", "header.x-page-size", id="header"),
        pytest.param("cookie", "cookie.tenant", id="cookie"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field_and_the_value(
    client: httpx.Client, location: str, field: str
) -> None:
    answer = call(client, **{location: "abc"})
    assert answer.status_code == 400
    assert answer.json() == {"error": f'{field}: "abc" is not of type "integer"'}
    below = call(client, **{location: "0"})  # read as the integer it is, then checked against the minimum
    assert below.status_code == 400
    assert below.json() == {"error": f"{field}: 0 is less than the minimum of 1"}


@pytest.mark.parametrize(
    ("location", "field"),
    [
        pytest.param("query", "query.page", id="query"),
        pytest.param("header", "header.x-page-size", id="header"),
        pytest.param("cookie", "cookie.tenant", id="cookie"),
    ],
)
def test_a_missing_required_parameter_is_a_400_naming_it(client: httpx.Client, location: str, field: str) -> None:
    answer = call(client, **{location: None})
    assert answer.status_code == 400 and answer.json() == {"error": f"{field}: is required but missing"}


def test_every_broken_parameter_is_named_at_once(client: httpx.Client) -> None:
    answer = call(client, path="x", query=None, cookie="y")
    assert answer.status_code == 400
    assert answer.json()["error"].split("; ") == [
        'path.id: "x" is not of type "integer"',
        "query.page: is required but missing",
        'cookie.tenant: "y" is not of type "integer"',
    ]


def test_a_query_array_is_read_from_repeated_keys_and_each_item_checked(client: httpx.Client) -> None:
    ok = client.get("/things/7", params={"page": "1", "tags": ["1", "2"]}, headers=HEADERS)
    assert ok.status_code == 200
    bad = client.get("/things/7", params={"page": "1", "tags": ["1", "z"]}, headers=HEADERS)
    assert bad.status_code == 400 and bad.json() == {"error": 'query.tags[1]: "z" is not of type "integer"'}


# Each style × explode × type, as OpenAPI's "Style Values" table spells them: (location, style, explode, kind,
# what the request carries, the value it reads as). Path, header and cookie carry one string; a query a mapping.
INTEGER = {"type": "integer"}
SCHEMAS: dict[str, dict[str, Any]] = {
    "primitive": INTEGER,
    "array": {"type": "array", "items": INTEGER},
    "object": {"type": "object", "properties": {"R": INTEGER, "G": INTEGER, "B": INTEGER}},
}
VALUES: dict[str, Any] = {"primitive": 5, "array": [3, 4, 5], "object": {"R": 100, "G": 200, "B": 150}}
STYLE_TABLE = [
    ("path", "simple", False, "primitive", "5"),
    ("path", "simple", True, "primitive", "5"),
    ("path", "simple", False, "array", "3,4,5"),
    ("path", "simple", True, "array", "3,4,5"),
    ("path", "simple", False, "object", "R,100,G,200,B,150"),
    ("path", "simple", True, "object", "R=100,G=200,B=150"),
    ("path", "label", False, "primitive", ".5"),
    ("path", "label", True, "primitive", ".5"),
    ("path", "label", False, "array", ".3,4,5"),
    ("path", "label", True, "array", ".3.4.5"),
    ("path", "label", False, "object", ".R,100,G,200,B,150"),
    ("path", "label", True, "object", ".R=100.G=200.B=150"),
    ("path", "matrix", False, "primitive", ";color=5"),
    ("path", "matrix", True, "primitive", ";color=5"),
    ("path", "matrix", False, "array", ";color=3,4,5"),
    ("path", "matrix", True, "array", ";color=3;color=4;color=5"),
    ("path", "matrix", False, "object", ";color=R,100,G,200,B,150"),
    ("path", "matrix", True, "object", ";R=100;G=200;B=150"),
    ("query", "form", True, "primitive", {"color": ["5"]}),
    ("query", "form", False, "primitive", {"color": ["5"]}),
    ("query", "form", True, "array", {"color": ["3", "4", "5"]}),
    ("query", "form", False, "array", {"color": ["3,4,5"]}),
    ("query", "form", True, "object", {"R": ["100"], "G": ["200"], "B": ["150"]}),
    ("query", "form", False, "object", {"color": ["R,100,G,200,B,150"]}),
    ("query", "spaceDelimited", False, "array", {"color": ["3 4 5"]}),
    ("query", "spaceDelimited", True, "array", {"color": ["3", "4", "5"]}),
    ("query", "spaceDelimited", False, "object", {"color": ["R 100 G 200 B 150"]}),
    ("query", "pipeDelimited", False, "array", {"color": ["3|4|5"]}),
    ("query", "pipeDelimited", True, "array", {"color": ["3", "4", "5"]}),
    ("query", "pipeDelimited", False, "object", {"color": ["R|100|G|200|B|150"]}),
    ("query", "deepObject", True, "object", {"color[R]": ["100"], "color[G]": ["200"], "color[B]": ["150"]}),
    ("header", "simple", False, "primitive", "5"),
    ("header", "simple", False, "array", "3,4,5"),
    ("header", "simple", False, "array", "3, 4, 5"),
    ("header", "simple", True, "array", "3,4,5"),
    ("header", "simple", False, "object", "R,100,G,200,B,150"),
    ("header", "simple", True, "object", "R=100,G=200,B=150"),
    ("cookie", "form", True, "primitive", {"color": "5"}),
    ("cookie", "form", False, "array", {"color": "3,4,5"}),
    ("cookie", "form", False, "object", {"color": "R,100,G,200,B,150"}),
    ("cookie", "form", True, "object", {"R": "100", "G": "200", "B": "150"}),
]


def styled(location: str, style: str, explode: bool, kind: str, exact: bool = True, **extra: Any) -> Parameter:
    """`color` in `location`, of the type `kind`; if `exact`, its value must be VALUES[kind] (an enum of it)."""
    schema = {**SCHEMAS[kind], "enum": [VALUES[kind]]} if exact else SCHEMAS[kind]
    spec = {"in": location, "name": "color", "style": style, "explode": explode, "schema": schema, **extra}
    return compile_parameter(spec, compile_body_validator(schema, "request"))


def problems(param: Parameter, sent: Any) -> list[str]:
    """What check_parameters says of a request carrying `sent` where `param` is read from."""
    path = {"color": sent} if param.location == "path" else {}
    query = sent if param.location == "query" else {}
    headers = {"color": sent} if param.location == "header" else {}
    cookies = (sent if isinstance(sent, dict) else {}) if param.location == "cookie" else {}
    return check_parameters([param], path, query, headers, cookies)


@pytest.mark.parametrize(
    ("location", "style", "explode", "kind", "sent"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-{'explode' if row[2] else 'flat'}-{row[3]}") for row in STYLE_TABLE],
)
def test_each_style_and_explode_reads_the_value_its_schema_means(
    location: str, style: str, explode: bool, kind: str, sent: Any
) -> None:
    assert problems(styled(location, style, explode, kind), sent) == []


@pytest.mark.parametrize(
    ("location", "style", "explode", "kind", "sent", "expected"),
    [
        pytest.param(
            "path", "simple", False, "array", "3,x,5", 'path.color[1]: "x" is not of type "integer"', id="item"
        ),
        pytest.param(
            "query",
            "deepObject",
            True,
            "object",
            {"color[R]": ["x"]},
            'query.color.R: "x" is not of type "integer"',
            id="property",
        ),
        pytest.param(
            "query",
            "form",
            False,
            "array",
            {"color": ["3 4 5"]},
            'query.color[0]: "3 4 5" is not of type "integer"',
            id="wrong-delimiter",
        ),
        pytest.param(
            "path",
            "label",
            False,
            "primitive",
            "5",
            'path.color: "5" is not in label style; send it as .value',
            id="label-without-dot",
        ),
        pytest.param(
            "path",
            "matrix",
            False,
            "primitive",
            "5",
            'path.color: "5" is not in matrix style; send it as ;color=value',
            id="matrix-without-name",
        ),
        pytest.param(
            "header",
            "simple",
            False,
            "object",
            "R,100,G",
            'header.color: "R,100,G" is not of type "object"',
            id="odd-pairs",
        ),
    ],
)
def test_a_value_its_style_cannot_read_is_named_with_the_rule(
    location: str, style: str, explode: bool, kind: str, sent: Any, expected: str
) -> None:
    assert problems(styled(location, style, explode, kind, exact=False), sent) == [expected]


def test_an_unknown_style_reads_as_the_locations_default() -> None:
    assert problems(styled("query", "matrix", True, "array"), {"color": ["3", "4", "5"]}) == []


def test_a_deep_object_or_exploded_object_absent_is_missing() -> None:
    for style in ("deepObject", "form"):
        param = styled("query", style, True, "object", required=True)
        assert problems(param, {"other": ["1"]}) == ["query.color: is required but missing"]


def test_a_required_exploded_object_that_takes_no_properties_may_be_absent() -> None:
    # microcks.local (APIs.guru): a required free-form `queryMap`; sent with no keys, it is `{}`, which is valid.
    schema = {"type": "object", "additionalProperties": {"type": "string"}}
    spec = {"in": "query", "name": "queryMap", "required": True, "schema": schema}
    param = compile_parameter(spec, compile_body_validator(schema, "request"))
    assert check_parameters([param], {}, {}, {}, {}) == []
    needs = {**schema, "required": ["name"]}
    param = compile_parameter({**spec, "schema": needs}, compile_body_validator(needs, "request"))
    assert check_parameters([param], {}, {}, {}, {}) == ["query.queryMap: is required but missing"]


def test_an_empty_delimited_query_array_is_one_empty_item_where_an_empty_list_is_refused() -> None:
    # amadeus-hotel-ratings (APIs.guru): `hotelIds=` for a list of at least one string. RFC 6570 leaves an empty list
    # out, so `hotelIds=` is [""]; clients also send an empty list so, which stays accepted where the schema takes it.
    schema = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    spec = {"in": "query", "name": "hotelIds", "required": True, "style": "form", "explode": False, "schema": schema}
    param = compile_parameter(spec, compile_body_validator(schema, "request"))
    assert check_parameters([param], {}, {"hotelIds": [""]}, {}, {}) == []
    assert parameter_breaches([param], {}, {"hotelIds": [""]}, {}, {}) == set()
    words = {**schema, "items": {"type": "string", "minLength": 1}}
    param = compile_parameter({**spec, "schema": words}, compile_body_validator(words, "request"))
    assert check_parameters([param], {}, {"hotelIds": [""]}, {}, {}) == ["query.hotelIds: [] has less than 1 item"]
    assert parameter_breaches([param], {}, {"hotelIds": [""]}, {}, {}) == {("query.hotelIds", "minItems")}


def test_a_scalar_query_parameter_sent_twice_is_refused_naming_it() -> None:
    # googleapis.com (APIs.guru): `?isUpgrade=null&isUpgrade=null` for a boolean was read as its first value.
    spec = {"in": "query", "name": "isUpgrade", "schema": {"type": "boolean"}}
    param = compile_parameter(spec, compile_body_validator(spec["schema"], "request"))
    sent = {"isUpgrade": ["true", "true"]}
    assert check_parameters([param], {}, sent, {}, {}) == [
        "query.isUpgrade: sent 2 times; the document takes one boolean"
    ]
    assert parameter_breaches([param], {}, sent, {}, {}) == {("query.isUpgrade", "style")}
    assert check_parameters([param], {}, {"isUpgrade": ["true"]}, {}, {}) == []


def test_an_exploded_free_form_object_takes_the_keys_no_other_parameter_claims() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    spread = compile_parameter(
        {"in": "query", "name": "filters", "schema": schema}, compile_body_validator(schema, "request")
    )
    page = compile_parameter({"in": "query", "name": "page", "schema": INTEGER}, None)
    assert check_parameters([spread, page], {}, {"page": ["x"], "a": ["1"]}, {}, {}) == []
    assert check_parameters([spread, page], {}, {"page": ["1"], "a": ["y"]}, {}, {}) == [
        'query.filters.a: "y" is not of type "integer"'
    ]


CONTENT_SCHEMA = {"type": "object", "properties": {"n": INTEGER}, "required": ["n"]}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param('{"n": 1}', [], id="valid"),
        pytest.param('{"n": "x"}', ['query.filter.n: "x" is not of type "integer"'], id="invalid"),
        pytest.param(
            "{n: 1}",
            [
                "query.filter: is not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"
                " (documented as application/json)"
            ],
            id="not-json",
        ),
    ],
)
def test_a_content_encoded_parameter_is_parsed_as_its_media_type(sent: str, expected: list[str]) -> None:
    spec = {"in": "query", "name": "filter", "content": {"application/json": {"schema": CONTENT_SCHEMA}}}
    param = compile_parameter(spec, compile_body_validator(CONTENT_SCHEMA, "request"))
    assert check_parameters([param], {}, {"filter": [sent]}, {}, {}) == expected


@pytest.mark.parametrize(
    ("allow", "expected"),
    [
        pytest.param(True, [], id="allowed"),
        pytest.param(False, ['query.page: "" is not of type "integer"'], id="not-allowed"),
    ],
)
def test_allow_empty_value_accepts_a_key_sent_without_a_value(allow: bool, expected: list[str]) -> None:
    spec = {"in": "query", "name": "page", "allowEmptyValue": allow, "schema": INTEGER}
    param = compile_parameter(spec, compile_body_validator(INTEGER, "request"))
    assert check_parameters([param], {}, {"page": [""]}, {}, {}) == expected


def test_a_numeric_string_past_pythons_conversion_limit_is_named_not_a_500() -> None:
    param = compile_parameter({"in": "query", "name": "n", "schema": INTEGER}, compile_body_validator(INTEGER))
    [problem] = check_parameters([param], {}, {"n": ["9" * 5000]}, {}, {})
    assert problem.startswith('query.n: "9999') and problem.endswith('is not of type "integer"')


# Through the app: a document with a deepObject query and a matrix path parameter.
STYLED = openapi(
    {
        "/shapes/{id}": {
            "get": {
                "operationId": "shape_get",
                "parameters": [
                    {"in": "path", "name": "id", "required": True, "style": "matrix", "schema": INTEGER},
                    {
                        "in": "query",
                        "name": "filter",
                        "style": "deepObject",
                        "explode": True,
                        "schema": {
                            "type": "object",
                            "properties": {"min": INTEGER, "tags": {"type": "array", "items": {"type": "string"}}},
                        },
                    },
                ],
                "responses": answers(),
            }
        }
    }
)


def test_a_matrix_path_parameter_and_a_deep_object_query_through_the_app(serve_document: ServeDocument) -> None:
    client = serve_document(STYLED)
    ok = client.get("/shapes/;id=7", params={"filter[min]": "3", "filter[tags]": ["a", "b"]})
    assert ok.status_code == 200, ok.text
    bad = client.get("/shapes/;id=7", params={"filter[min]": "three"})
    assert bad.status_code == 400 and bad.json() == {"error": 'query.filter.min: "three" is not of type "integer"'}
    plain = client.get("/shapes/7")
    assert plain.status_code == 400
    assert plain.json() == {"error": 'path.id: "7" is not in matrix style; send it as ;id=value'}


@pytest.mark.parametrize(
    ("location", "style", "explode", "sent"),
    [
        pytest.param("query", "pipeDelimited", False, {"color": [""]}, id="query-pipe"),
        pytest.param("query", "form", False, {"color": [""]}, id="query-form"),
        pytest.param("path", "label", False, ".", id="label"),
        pytest.param("path", "matrix", True, ";color", id="matrix"),
        pytest.param("header", "simple", False, "", id="header"),
    ],
)
def test_an_empty_delimited_array_is_an_empty_array(location: str, style: str, explode: bool, sent: Any) -> None:
    schema = {"type": "array", "items": INTEGER, "maxItems": 0}
    spec = {"in": location, "name": "color", "style": style, "explode": explode, "schema": schema}
    param = compile_parameter(spec, compile_body_validator(schema, "request"))
    assert problems(param, sent) == []


def test_an_array_of_objects_in_a_query_is_taken_unchecked_with_a_warning(serve_document: ServeDocument) -> None:
    # OpenAPI defines no way to write an array of objects in a query (AWS's query protocol, visma.com's `sortings`):
    # schemathesis sends `sortings=key&sortings=value`, and the mock refused every such request as not objects.
    item = {"type": "object", "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}
    parameters = [{"name": "sortings", "in": "query", "required": True, "schema": {"type": "array", "items": item}}]
    document = openapi({"/x": {"get": {"operationId": "x", "parameters": parameters, "responses": answers()}}})
    client = serve_document(document)
    assert client.get("/x", params={"sortings": ["key", "value"]}).status_code == 200
    assert client.get("/x").status_code == 200
    warnings = client.get("/openapi.json").json()["x-mock-warnings"]
    assert any("query.sortings: holds an array of objects" in w and "unchecked" in w for w in warnings)


def test_an_object_parameter_holding_an_array_of_objects_is_taken_unchecked(serve_document: ServeDocument) -> None:
    # AWS monitoring's `SingleMetricAnomalyDetector` (form, exploded) holds `Dimensions`, an array of objects.
    dimension = {"type": "object", "properties": {"Name": {"type": "string"}}}
    detector = {"type": "object", "properties": {"Dimensions": {"type": "array", "items": dimension}}}
    parameters = [{"name": "Detector", "in": "query", "schema": detector, "style": "deepObject"}]
    document = openapi({"/x": {"get": {"operationId": "x", "parameters": parameters, "responses": answers()}}})
    assert serve_document(document).get("/x", params={"Detector[Dimensions]": "Name"}).status_code == 200


def test_an_array_typed_through_all_of_reads_its_items_as_their_type(serve_document: ServeDocument) -> None:
    # AWS's documents describe properties as `allOf: [{$ref: Ids}, {description: ...}]`: the items read as unknown,
    # so `?ids=1` stayed the string "1" and was refused as not an integer.
    ids = {"type": "array", "items": {"type": "integer"}}
    schema = {"allOf": [{"$ref": "#/components/schemas/Ids"}, {"description": "the ids"}]}
    parameters = [{"name": "ids", "in": "query", "required": True, "schema": schema}]
    paths = {"/x": {"get": {"operationId": "x", "parameters": parameters, "responses": answers()}}}
    client = serve_document(openapi(paths, components={"schemas": {"Ids": ids}}))
    assert client.get("/x", params={"ids": ["1", "2"]}).status_code == 200
    refused = client.get("/x", params={"ids": ["1", "x"]})
    assert (refused.status_code, refused.json()) == (400, {"error": 'query.ids[1]: "x" is not of type "integer"'})
