"""Request bodies of each media type read into the value their schema validates, and a Content-Type matched to the
documented media type it falls under."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.core.errors import ApiError
from mockserver.spec.media import RequestMedia, choose, compile_media, reads_into
from mockserver.spec.validation import compile_body_validator

INTEGER = {"type": "integer"}
FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": INTEGER,
        "ratio": {"type": "number"},
        "active": {"type": "boolean"},
        "tags": {"type": "array", "items": INTEGER},
        "codes": {"type": "array", "items": {"type": "string"}},
        "where": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
        "meta": {"type": "object", "properties": {"n": INTEGER}},
        "file": {"type": "string", "format": "binary"},
        "rank": {"type": "integer", "nullable": True},
    },
    "required": ["name"],
}
FORM_ENCODING = {"codes": {"style": "pipeDelimited", "explode": False}, "where": {"style": "deepObject"}}


def media(kind: str, schema: Any = None, encoding: dict[str, Any] | None = None) -> RequestMedia:
    raw: dict[str, Any] = {"encoding": encoding or {}}
    if schema is not None:
        raw["schema"] = schema
    return compile_media(kind, raw, compile_body_validator(schema, "request") if schema is not None else None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"name=Ann&age=42", {"name": "Ann", "age": 42}, id="coerced"),
        pytest.param(b"name=caf%C3%A9+au+lait", {"name": "café au lait"}, id="percent-and-plus"),
        pytest.param(b"ratio=1.5&active=true", {"ratio": 1.5, "active": True}, id="number-boolean"),
        pytest.param(b"tags=1&tags=2", {"tags": [1, 2]}, id="repeated-keys"),
        pytest.param(b"tags=1", {"tags": [1]}, id="one-key-array"),
        pytest.param(b"codes=a|b", {"codes": ["a", "b"]}, id="pipe-delimited"),
        pytest.param(b"where[lat]=1.5&where[lon]=-2", {"where": {"lat": 1.5, "lon": -2}}, id="deep-object"),
        pytest.param(b"age=x", {"age": "x"}, id="not-an-integer-stays-text"),
        pytest.param(b"rank=null&age=null", {"rank": None, "age": "null"}, id="null-where-nullable"),
        pytest.param(b"other=1", {"other": "1"}, id="undeclared-stays-text"),
        pytest.param(b"age=1&age=2", {"age": [1, 2]}, id="a-scalar-sent-twice-is-a-list"),
        pytest.param(b"name=", {"name": ""}, id="empty-value"),
        pytest.param(b"", {}, id="empty"),
    ],
)
def test_a_form_body_reads_as_the_object_its_schema_means(raw: bytes, expected: dict[str, Any]) -> None:
    assert (
        media("application/x-www-form-urlencoded", FORM_SCHEMA, FORM_ENCODING).decode(
            "application/x-www-form-urlencoded", raw
        )
        == expected
    )


def test_a_form_field_not_utf8_is_a_400_naming_it() -> None:
    form = media("application/x-www-form-urlencoded", FORM_SCHEMA)
    with pytest.raises(ApiError) as refused:
        form.decode("application/x-www-form-urlencoded", b"name=%FF")
    assert refused.value.status == 400 and refused.value.message == "name: is not valid utf-8 text (byte 0: b'\\xff')"


def multipart(*parts: tuple[str, str, bytes], boundary: str = "XyZ") -> bytes:
    """A multipart/form-data body of (Content-Disposition parameters, Content-Type or "", data) parts."""
    out = b""
    for disposition, kind, data in parts:
        out += f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n".encode()
        out += f"Content-Type: {kind}\r\n".encode() if kind else b""
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


MULTIPART = "multipart/form-data; boundary=XyZ"
UPLOAD = media("multipart/form-data", FORM_SCHEMA, {"file": {"contentType": "image/png, image/jpeg"}})


def test_a_multipart_body_reads_text_fields_files_and_json_parts() -> None:
    raw = multipart(
        ('name="name"', "", "Zoë".encode()),
        ('name="age"', "", b"7"),
        ('name="tags"', "", b"1"),
        ('name="tags"', "", b"2"),
        ('name="meta"', "", b'{"n": 3}'),  # an object property: JSON by OpenAPI's default
        ('name="file"; filename="a.png"', "image/png", b"\x89PNG\r\n\xff"),
    )
    assert UPLOAD.decode(MULTIPART, raw) == {
        "name": "Zoë",
        "age": 7,
        "tags": [1, 2],
        "meta": {"n": 3},
        "file": "\x89PNG\r\n\xff",  # one character a byte: maxLength counts bytes
    }


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        pytest.param(
            multipart(('name="file"; filename="a.gif"', "image/gif", b"GIF")),
            MULTIPART,
            'file: Content-Type "image/gif" is not one the document gives (image/png, image/jpeg)',
            id="part-type-undocumented",
        ),
        pytest.param(
            multipart(('name="meta"', "application/json", b"{nope")),
            MULTIPART,
            "meta: is not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"
            " (documented as application/json)",
            id="json-part-broken",
        ),
        pytest.param(
            multipart(('name="name"', "", b"x"))[:-8],
            MULTIPART,
            "body: the multipart/form-data body ends before",
            id="cut",
        ),
        pytest.param(multipart(('filename="a"', "", b"x")), MULTIPART, "body: part 1 has no name", id="no-name"),
        pytest.param(
            b"--XyZ--", "multipart/form-data", "Content-Type: multipart/form-data needs a boundary", id="no-boundary"
        ),
        pytest.param(b"garbage", MULTIPART, "body: ", id="garbage"),
    ],
)
def test_a_multipart_body_that_does_not_read_is_a_400_naming_the_part(
    raw: bytes, content_type: str, expected: str
) -> None:
    with pytest.raises(ApiError) as refused:
        UPLOAD.decode(content_type, raw)
    assert refused.value.status == 400 and refused.value.message.startswith(expected)


def test_a_multipart_array_of_json_objects_reads_from_one_part_or_several() -> None:
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}
    upload = media("multipart/form-data", schema)
    whole = multipart(('name="items"', "application/json", b'[{"a": 1}, {"b": 2}]'))
    several = multipart(('name="items"', "", b'{"a": 1}'), ('name="items"', "", b'{"b": 2}'))
    assert upload.decode(MULTIPART, whole) == upload.decode(MULTIPART, several) == {"items": [{"a": 1}, {"b": 2}]}


@pytest.mark.parametrize(
    ("content_type", "raw", "schema", "expected"),
    [
        pytest.param("text/plain", "héllo".encode(), {"type": "string"}, "héllo", id="utf8"),
        pytest.param(
            "text/plain; charset=latin-1", "héllo".encode("latin-1"), {"type": "string"}, "héllo", id="charset"
        ),
        pytest.param("text/plain", b"42", INTEGER, 42, id="integer"),
        pytest.param(
            "application/octet-stream", b"\x00\xff", {"type": "string", "format": "binary"}, "\x00\xff", id="bytes"
        ),
    ],
)
def test_text_and_bytes_read_as_strings(content_type: str, raw: bytes, schema: Any, expected: Any) -> None:
    assert media(content_type.partition(";")[0], schema).decode(content_type, raw) == expected


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        pytest.param("text/plain", b"\xff", "body: is not valid utf-8 text (byte 0: b'\\xff')", id="not-utf8"),
        pytest.param("text/plain; charset=nope", b"x", 'body: charset "nope" is not one this mock knows', id="charset"),
        pytest.param(
            "text/plain; charset=rot13", b"x", 'body: charset "rot13" is not one this mock knows', id="no-text"
        ),
    ],
)
def test_text_that_does_not_decode_is_a_400(content_type: str, raw: bytes, expected: str) -> None:
    with pytest.raises(ApiError) as refused:
        media("text/plain", {"type": "string"}).decode(content_type, raw)
    assert refused.value.status == 400 and refused.value.message.startswith(expected)


def test_json_reads_any_json_value_for_its_schema_to_judge() -> None:
    """A schema with `properties` and no `type` takes an array or null: the validator judges the value, not the
    reader (which once refused every non-object)."""
    assert media("application/json", FORM_SCHEMA).decode("application/json", b"[1]") == [1]
    assert media("application/json", FORM_SCHEMA).decode("application/json", b"null") is None


def test_a_wildcard_documented_as_binary_reads_any_body_as_its_bytes() -> None:
    anything = media("*/*", {"type": "string", "format": "binary"})
    assert anything.decode("application/json", b'{"a": 1}') == '{"a": 1}'
    assert media("*/*").decode("application/json", b'{"a": 1}') == {"a": 1}


DOCUMENTED = {kind: media(kind) for kind in ("application/json", "text/*", "image/png", "multipart/form-data")}


@pytest.mark.parametrize(
    ("content_type", "chosen"),
    [
        pytest.param("application/json", "application/json", id="same"),
        pytest.param("Application/JSON; charset=utf-8", "application/json", id="case-and-parameters"),
        pytest.param("application/merge-patch+json", "application/json", id="json-suffix"),
        pytest.param("text/csv", "text/*", id="wildcard-subtype"),
        pytest.param("multipart/form-data; boundary=x", "multipart/form-data", id="multipart"),
        pytest.param("image/gif", None, id="undocumented"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_a_content_type_falls_under_the_documented_media_type_nearest_it(
    content_type: str | None, chosen: str | None
) -> None:
    found = choose(DOCUMENTED, content_type)
    assert (found.kind if found else None) == chosen


def test_a_body_without_content_type_falls_under_octet_stream_or_any() -> None:
    assert choose({"*/*": media("*/*")}, None) is not None
    assert choose({"application/octet-stream": media("application/octet-stream")}, None) is not None


@pytest.mark.parametrize(
    ("kind", "schema", "expected"),
    [
        pytest.param("application/xml", {"type": "object"}, False, id="xml-object"),
        pytest.param("application/xml", {"type": "string"}, True, id="xml-string"),
        pytest.param("image/png", {}, True, id="image-any"),
        pytest.param("*/*", {"type": "object"}, True, id="wildcard"),
        pytest.param("text/plain", INTEGER, True, id="text"),
    ],
)
def test_a_media_type_read_only_as_bytes_is_not_judged_by_a_schema_of_another_type(
    kind: str, schema: Any, expected: bool
) -> None:
    assert reads_into(kind, schema) is expected


# Pieces of forms and multipart bodies, put together in any order.
FRAGMENTS = [
    *(
        b"--XyZ",
        b"--XyZ--",
        b"\r\n",
        b"Content-Disposition: form-data; ",
        b'name="meta"',
        b'name="tags"',
        b'name="where[lat]"',
    ),
    *(b'; filename="f"', b"Content-Type: application/json", b"Content-Type: text/plain; charset=nope", b": "),
    *(b"{", b'{"n": 1}', b"[", b"1", b"x", b"\xff", b"=", b"&", b"%", b"%FF", b"+", b"tags", b"where[lat]", b"1e400"),
]


@settings(max_examples=500, deadline=None)  # a loaded CI machine is no reason to fail
@given(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=XyZ",
            "text/plain",
            "text/plain; charset=utf-16",
            "text/plain; charset=base64",
            "application/json",
            "application/octet-stream",
        ]
    ),
    st.binary(max_size=200) | st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(b"".join),
)
def test_any_bytes_read_as_a_value_or_a_400(content_type: str, raw: bytes) -> None:
    reader = media(content_type.partition(";")[0], FORM_SCHEMA, FORM_ENCODING)
    try:
        reader.decode(content_type, raw)
    except ApiError as refused:
        assert refused.status == 400


def test_a_part_without_its_own_content_type_takes_the_encodings() -> None:
    schema = {"type": "object", "properties": {"doc": {}, "note": {}}}
    upload = media("multipart/form-data", schema, {"doc": {"contentType": "application/json"}})
    raw = multipart(('name="doc"', "", b'{"a": [1]}'), ('name="note"', "", b'{"a": [1]}'))
    assert upload.decode(MULTIPART, raw) == {"doc": {"a": [1]}, "note": '{"a": [1]}'}


def test_a_list_with_no_field_in_a_form_is_an_empty_list() -> None:
    """A form cannot carry an empty list (no `name=` pair at all), so a required list property it leaves out is the
    empty one: a required list sent empty is not 'missing'."""
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}},
        "required": ["id", "scopes"],
    }
    form = media("application/x-www-form-urlencoded", schema)
    assert form.decode("application/x-www-form-urlencoded", b"id=a") == {"id": "a", "scopes": []}
    assert form.decode("application/x-www-form-urlencoded", b"id=a&scopes=x&scopes=y") == {
        "id": "a",
        "scopes": ["x", "y"],
    }
