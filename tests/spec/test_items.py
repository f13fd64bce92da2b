"""What an item holds: read-only fields are the mock's, the rest the client's, and the schema always holds."""

from __future__ import annotations

import pytest

from mockserver.core.clock import format_time
from mockserver.spec.collections import Collections, find_collections
from mockserver.spec.contract import load_contract
from mockserver.spec.items import ItemError, merged, new_item, numbered, replaced, shaped
from tests.conftest import SPEC_2025

T = 1_767_225_600.0
CONTRACT = load_contract(SPEC_2025)
FOUND: Collections = find_collections(CONTRACT)


def test_a_new_item_takes_the_request_and_fills_the_rest() -> None:
    queries = FOUND.of("reference-queries")
    item = new_item(queries, {"query": "select 1", "connection_id": 2, "status": "VALID", "extra": 1}, T)
    assert item["query"] == "select 1" and item["created_at"] == item["last_modified"] == format_time(T)
    assert item["title"] is None and "extra" not in item and "id" not in item  # the store numbers it
    assert item["status"] in ("PROCESSING", "ERROR", "VALID", "TEMPORARY")
    assert new_item(queries, {"query": "select 1", "connection_id": 2}, T) == new_item(
        queries, {"query": "select 1", "connection_id": 2}, T
    )  # the same request, the same item, in any store or process
    assert queries.validator.errors({"id": 1, **item}) == []


def test_values_the_item_cannot_hold_are_made_to_fit() -> None:
    sources = FOUND.of("sources")
    item = new_item(sources, {"type": "snowflake", "account_name": "x" * 300}, T)
    assert item["type"] == "SNOWFLAKE"  # the request's spelling of an enum member
    assert len(item["account_name"]) <= 255 and item["is_fully_configured"] in (True, False)
    threads = FOUND.of("threads")
    thread = new_item(threads, {"title": "t", "model": "gpt-5"}, T, {"uid": "u", "source": "UI"})
    assert "model" not in thread and thread["uid"] == "u"  # an optional field it cannot hold goes


def test_replace_keeps_read_only_fields_and_merge_keeps_the_rest() -> None:
    kb = FOUND.of("knowledge-base")
    old = {"id": 3, "content": "a", "connection_id": 1, "created_at": format_time(T), "last_modified": format_time(T)}
    later = format_time(T + 5)
    assert replaced(kb, old, {"content": "b", "connection_id": 2, "id": 9}, T + 5) == {
        **old,
        "content": "b",
        "connection_id": 2,
        "last_modified": later,
    }
    assert merged(kb, old, {"content": "c", "created_at": "x"}, T + 5) == {
        **old,
        "content": "c",
        "last_modified": later,
    }
    assert merged(kb, old, {"connection_id": "not a number"}, T + 5)["connection_id"] == 1


def test_another_answer_is_shaped_from_the_item() -> None:
    create = CONTRACT.operation("sources_create")
    answer = create.responses[create.success]
    assert shaped(answer.schema, answer.validator, {"id": 4, "type": "POSTGRES"}, T) == {"id": 4}


def test_defaults_come_from_the_branch_the_body_picks() -> None:
    create = CONTRACT.operation("sources_create")
    assert create.body is not None
    picked = create.filled.applied({"type": "mysql"})
    assert picked["account_name"] == "MySQL" and picked["port"] == 3306
    assert CONTRACT.operation("sources_list").filled.applied({"a": 1}) == {"a": 1}


def test_whole_resources_are_checked_and_numbered() -> None:
    kb = FOUND.of("knowledge-base")
    entries = numbered(
        kb, [{"content": "a", "connection_id": 1}, {"id": 7, "content": "b", "connection_id": 1}], T, "kb"
    )
    assert [(key, place) for key, place, _ in entries] == [("8", 8), ("7", 7)]
    assert entries[0][2]["created_at"] == format_time(T)
    with pytest.raises(ItemError) as refused:
        numbered(kb, [{"content": 5}, "text", {"id": 1, "content": "x", "connection_id": 1}, {"id": 1}], T, "kb")
    message = str(refused.value)
    assert 'kb[0].content: 5 is not of type "string"' in message and "kb[0].connection_id: is required" in message
    assert 'kb[1]: "text" is not an object' in message and "kb[3].id: 1 is also kb[2]'s id" in message
