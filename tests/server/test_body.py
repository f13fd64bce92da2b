"""The body reader's fast path (orjson) must read every body exactly as the stdlib parser it stands in for."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.errors import ApiError
from mockserver.core.json_codec import _parse_slowly, parse_json_object

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
