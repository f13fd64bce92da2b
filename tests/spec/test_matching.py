from __future__ import annotations

import copy
from typing import Any

from mockserver.spec.matching import matches

COMPONENTS: dict[str, Any] = {
    "SMS": {"type": "object", "properties": {"messages": {"type": "array", "items": {"$ref": "#/c/s/Message"}}}},
    "Message": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]},
    "Tree": {"type": "object", "properties": {"kids": {"items": {"$ref": "#/c/s/Tree"}}}, "required": ["kids"]},
}
DOCUMENT = {"c": {"s": COMPONENTS}}


def resolve(ref: str) -> Any:
    return COMPONENTS[ref.rsplit("/", 1)[-1]]


def test_references_are_followed_to_every_depth() -> None:
    sms = {"$ref": "#/c/s/SMS"}
    assert matches({"messages": [{"to": "x"}]}, sms, resolve)
    assert not matches({"messages": [{"from": "x"}]}, sms, resolve)  # the nested Message's `required`
    tree = {"$ref": "#/c/s/Tree"}
    assert matches({"kids": [{"kids": []}]}, tree, resolve)
    assert not matches({"kids": [{"kids": [{}]}]}, tree, resolve)


def test_the_document_is_never_written_into() -> None:
    before = copy.deepcopy(DOCUMENT)
    matches({}, {"allOf": [{"$ref": "#/c/s/SMS"}, {"$ref": "#/c/s/Tree"}]}, resolve)
    assert before == DOCUMENT


def test_what_cannot_be_told_here_is_left_to_the_validator() -> None:
    assert not matches("x", {"$ref": "https://example.com/schema.json"}, resolve)
    assert not matches("x", {"$ref": "#/c/s/Nothing"}, resolve)
    assert not matches("x", {"$ref": "#/c/s/SMS"}, None)
    assert matches("x", True, None) and not matches("x", False, None)
