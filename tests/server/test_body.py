"""The body reader's fast path (orjson) must read every body exactly as the stdlib parser it stands in for."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import MAX_DEPTH, _parse_slowly, parse_json_object
from tests.conftest import AUTH, VALID, ServeDocument, openapi

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


def verdict(parse: Any, raw: bytes) -> Any:
    try:
        value = parse(raw)
    except ApiError as exc:
        return ("refused", exc.status)
    return ("read", value, json.dumps(value, sort_keys=True))  # the text tells 1 from 1.0 and 0.0 from -0.0


@given(st.dictionaries(st.text(max_size=8), values, max_size=5), st.booleans())
def test_any_json_object_reads_as_the_stdlib_reads_it(body: dict[str, Any], ascii_only: bool) -> None:
    raw = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert verdict(parse_json_object, raw) == verdict(_parse_slowly, raw)


@given(
    st.binary(max_size=40) | st.text(alphabet='{}[]":,0123456789.eE+- \\u\t\nabcdfnrtlsx', max_size=40).map(str.encode)
)
def test_any_bytes_get_the_stdlib_verdict(raw: bytes) -> None:
    slow = verdict(_parse_slowly, raw)
    if slow[0] == "read" and not isinstance(slow[1], dict):
        slow = ("refused", 400)
    assert verdict(parse_json_object, raw) == slow


@pytest.mark.parametrize(
    "raw",
    [b'{"n": 123456789012345678901234567890}', b'{"n": -9223372036854775809}', b'{"n": 18446744073709551616}'],
)
def test_integers_beyond_64_bits_stay_exact(raw: bytes) -> None:
    assert parse_json_object(raw) == json.loads(raw)


# Every endpoint that reads a JSON body, with a place in its body for a value: (path, body template, field).
CREATE = "/api/v1/iframe/create"
BODY_PLACES = [
    pytest.param(CREATE, '{"uid": "u", "srcs": [], "ttl": %s}', "ttl", id="create"),
    pytest.param("chat", '{"message": %s}', "message", id="chat"),
    pytest.param("/__mock/faults", '{"status": 500, "body": {"v": %s}}', "body.v", id="faults"),
    pytest.param("/__mock/clock", '{"advance": %s}', "advance", id="clock"),
]


async def post_raw(client: httpx.AsyncClient, path: str, raw: bytes) -> httpx.Response:
    if path == "chat":
        made = await client.post(CREATE, json=VALID, headers=AUTH)
        path = f"/iframe/{made.json()['cache_key']}/messages"
    return await client.post(path, content=raw, headers={**AUTH, "content-type": "application/json"})


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.5E+999", "0.001e312"])
@pytest.mark.parametrize(("path", "template", "field"), BODY_PLACES)
async def test_a_number_beyond_a_float_is_a_400_naming_the_field_and_the_number_as_sent(
    client: httpx.AsyncClient, path: str, template: str, field: str, number: str
) -> None:
    r = await post_raw(client, path, (template % number).encode())
    assert r.status_code == 400
    assert r.json()["error"].startswith(f"{field}: {number} is beyond the range of a JSON number")


async def test_a_fault_holding_an_infinite_number_is_refused_and_nothing_is_stored(client: httpx.AsyncClient) -> None:
    r = await post_raw(client, "/__mock/faults", b'{"status": 500, "body": {"v": 1e400}}')
    assert r.status_code == 400
    assert (await client.get("/__mock/faults")).json() == {"faults": []}
    assert (await client.post(CREATE, json=VALID, headers=AUTH)).status_code == 200  # no fault answers it
    assert (await client.get("/__mock/requests")).status_code == 200


@pytest.mark.parametrize("parse", [parse_json_object, _parse_slowly])
def test_the_largest_and_smallest_floats_are_read(parse: Any) -> None:
    assert parse(b'{"big": 1.7976931348623157e308, "tiny": 1e-400, "n": -1e308}') == {
        "big": 1.7976931348623157e308,
        "tiny": 0.0,
        "n": -1e308,
    }


DEEP = "[" * 256 + "]" * 256  # jsonschema-rs gives up at 255 levels ("Recursion limit reached"), once a 500


@pytest.mark.parametrize(
    ("path", "template", "field"),
    [
        pytest.param(CREATE, '{"uid": "u", "srcs": [], "theme": %s}', "theme[0][0]…", id="create-theme"),
        pytest.param(CREATE, '{"uid": "u", "srcs": [], "theme": {"x": %s}}', "theme.x[0]…", id="create-theme-value"),
        pytest.param("chat", '{"message": %s}', "message[0][0]…", id="chat"),
        pytest.param("/__mock/faults", '{"path": %s}', "path[0][0]…", id="faults"),
        pytest.param("/__mock/clock", '{"advance": %s}', "advance[0][0]…", id="clock"),
    ],
)
async def test_a_value_nested_256_deep_is_a_400_naming_the_field(
    client: httpx.AsyncClient, path: str, template: str, field: str
) -> None:
    r = await post_raw(client, path, (template % DEEP).encode())
    assert r.status_code == 400
    assert (
        r.json()["error"]
        == f"{field}: nests arrays and objects 65 levels deep (the body is the first); a body may nest at most 64"
    )


def nested(levels: int, *, huge_integer: bool = False) -> bytes:
    """A body whose deepest array is at `levels` (the body itself is level 1)."""
    extra = b'"n": 12345678901234567890, ' if huge_integer else b""  # takes the stdlib parser's path
    return b"{" + extra + b'"a": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


@pytest.mark.parametrize("huge_integer", [False, True], ids=["orjson", "stdlib"])
def test_bodies_nest_64_levels_and_not_65(huge_integer: bool) -> None:
    deepest = parse_json_object(nested(MAX_DEPTH, huge_integer=huge_integer))["a"]
    for _ in range(MAX_DEPTH - 2):
        deepest = deepest[0]
    assert deepest == []
    with pytest.raises(ApiError) as refused:
        parse_json_object(nested(MAX_DEPTH + 1, huge_integer=huge_integer))
    assert refused.value.status == 400 and refused.value.message.startswith("a[0][0]…: nests arrays and objects 65")


@pytest.mark.parametrize("levels", [1025, 5000])
def test_nesting_past_what_either_parser_follows_is_a_400(levels: int) -> None:
    with pytest.raises(ApiError) as refused:
        parse_json_object(nested(levels))
    assert refused.value.status == 400 and "a body may nest at most 64" in refused.value.message


# Bodies of every documented media type, through the app, on a small document written here.
FORM_BODY = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 10}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name"],
}
UPLOAD_BODY = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary", "maxLength": 16},
        "meta": {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]},
    },
    "required": ["file", "meta"],
}


def taking(content: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "take_" + next(iter(content)).replace("/", "_").replace("-", "_").replace("*", "any"),
            "requestBody": {"required": required, "content": content},
            "responses": {"204": {"description": "taken"}},
        }
    }


MEDIA_DOCUMENT = openapi(
    {
        "/forms": taking({"application/x-www-form-urlencoded": {"schema": FORM_BODY}}),
        "/uploads": taking(
            {"multipart/form-data": {"schema": UPLOAD_BODY, "encoding": {"file": {"contentType": "image/png"}}}}
        ),
        "/notes": taking({"text/plain": {"schema": {"type": "string", "maxLength": 20}}}),
        "/blobs": taking(
            {"application/octet-stream": {"schema": {"type": "string", "format": "binary", "maxLength": 8}}}
        ),
        "/anything": taking({"*/*": {}}, required=False),
    }
)


@pytest.fixture
def media_client(serve_document: ServeDocument) -> httpx.Client:
    return serve_document(MEDIA_DOCUMENT)


def test_a_form_body_is_accepted_and_a_wrong_one_refused_naming_the_field(media_client: httpx.Client) -> None:
    assert media_client.post("/forms", data={"name": "Ann", "age": "42"}).status_code == 204
    wrong = media_client.post("/forms", data={"name": "Ann", "age": "old"})
    assert wrong.status_code == 400 and wrong.json() == {"error": 'age: "old" is not of type "integer"'}
    below = media_client.post("/forms", data={"age": "-1"})
    assert below.status_code == 400
    assert below.json()["error"].split("; ") == [
        "age: -1 is less than the minimum of 0",
        "name: is required but missing",
    ]


def test_a_multipart_upload_with_a_file_and_a_json_part(media_client: httpx.Client) -> None:
    meta = ("meta.json", b'{"title": "logo"}', "application/json")
    ok = media_client.post("/uploads", files={"file": ("logo.png", b"\x89PNG\r\n", "image/png"), "meta": meta})
    assert ok.status_code == 204, ok.text
    untitled = media_client.post(
        "/uploads", files={"file": ("logo.png", b"\x89PNG", "image/png"), "meta": ("m", b"{}", "application/json")}
    )
    assert untitled.status_code == 400 and untitled.json() == {"error": "meta.title: is required but missing"}
    big = media_client.post("/uploads", files={"file": ("logo.png", b"\x89PNG" * 5, "image/png"), "meta": meta})
    assert big.status_code == 400 and big.json()["error"].startswith("file: ") and "longer than 16" in big.text
    gif = media_client.post("/uploads", files={"file": ("a.gif", b"GIF89a", "image/gif"), "meta": meta})
    assert gif.status_code == 400
    assert gif.json() == {"error": 'file: Content-Type "image/gif" is not one the document gives (image/png)'}


@pytest.mark.parametrize(
    ("path", "content_type", "good", "bad", "expected"),
    [
        pytest.param(
            "/notes",
            "text/plain; charset=utf-8",
            "héllo".encode(),
            b"x" * 21,
            'body: "xxxxxxxxxxxxxxxxxxxxx" is longer than 20 characters',
            id="text",
        ),
        pytest.param(
            "/blobs",
            "application/octet-stream",
            b"\x00\xff\x10",
            b"\x00" * 9,
            "body: ",
            id="octet-stream",
        ),
    ],
)
def test_text_and_octet_stream_bodies_are_read_and_checked(
    media_client: httpx.Client, path: str, content_type: str, good: bytes, bad: bytes, expected: str
) -> None:
    assert media_client.post(path, content=good, headers={"content-type": content_type}).status_code == 204
    refused = media_client.post(path, content=bad, headers={"content-type": content_type})
    assert refused.status_code == 400 and refused.json()["error"].startswith(expected)
    assert "longer than" in refused.json()["error"]


def test_an_undocumented_media_type_is_a_415_naming_the_documented_ones(media_client: httpx.Client) -> None:
    xml = media_client.post("/forms", content=b"<name/>", headers={"content-type": "application/xml"})
    assert xml.status_code == 415
    assert xml.json() == {
        "error": "Content-Type 'application/xml' is not accepted; send the body as application/x-www-form-urlencoded"
    }
    json_body = media_client.post("/forms", json={"name": "Ann"})
    assert json_body.status_code == 415 and "send the body as application/x-www-form-urlencoded" in json_body.text


def test_a_body_without_content_type_or_without_bytes_is_told_what_to_send(media_client: httpx.Client) -> None:
    bare = media_client.post("/forms", content=b"name=Ann")
    assert bare.status_code == 415
    assert bare.json() == {"error": "Content-Type is missing; send the body as application/x-www-form-urlencoded"}
    assert media_client.post("/blobs", content=b"\x01\x02").status_code == 204  # bytes are octets (RFC 9110 §8.3)
    none = media_client.post("/uploads")
    assert none.status_code == 400
    assert none.json() == {"error": "body: is required but missing; send a body as multipart/form-data"}


def test_a_wildcard_takes_any_media_type(media_client: httpx.Client) -> None:
    for content_type in ("application/json", "text/csv", "image/png"):
        assert media_client.post("/anything", content=b"{}", headers={"content-type": content_type}).status_code == 204


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        pytest.param("/forms", b"name=" + b"a" * 300, "application/x-www-form-urlencoded", id="form"),
        pytest.param("/uploads", b"--b\r\n" + b"a" * 300, "multipart/form-data; boundary=b", id="multipart"),
        pytest.param("/notes", b"a" * 300, "text/plain", id="text"),
    ],
)
def test_every_media_type_keeps_the_body_limit(
    serve_document: ServeDocument, path: str, content: bytes, content_type: str
) -> None:
    client = serve_document(MEDIA_DOCUMENT, max_body_bytes=256)
    over = client.post(path, content=content, headers={"content-type": content_type})
    assert over.status_code == 413 and "over this mock's limit of 256 bytes" in over.json()["error"]


def test_no_bytes_with_a_text_or_form_content_type_is_the_empty_value(media_client: httpx.Client) -> None:
    assert media_client.post("/notes", headers={"content-type": "text/plain"}).status_code == 204  # ""
    empty_form = media_client.post("/forms", headers={"content-type": "application/x-www-form-urlencoded"})
    assert empty_form.status_code == 400 and empty_form.json() == {"error": "name: is required but missing"}
