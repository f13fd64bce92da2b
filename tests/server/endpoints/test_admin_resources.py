"""`/__mock/resources`: the document's collections, read, replaced and emptied per session; seed data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mockserver.config import KeyPolicy, Settings
from mockserver.mock import Mock
from tests.conftest import AUTH, SPEC_2025, T0
from tests.server.endpoints.test_collection_endpoints import ENTRY, KB

SEEDS = """\
knowledge-base:
  - {content: "Revenue is net of refunds.", connection_id: 1}
  - {id: 10, content: "Fiscal years start in February.", connection_id: 2}
threads:
  - {title: "Seeded thread", uid: "user-1"}
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds.yaml"
    seeds.write_text(SEEDS)
    return Settings(clock=f"frozen:{T0}", spec=SPEC_2025, api_keys={"sk-test": KeyPolicy()}, seed_data=str(seeds))


async def test_the_collections_are_listed_with_what_each_operation_does(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/__mock/resources")).json()
    kb = next(c for c in listing["collections"] if c["name"] == "knowledge-base")
    assert kb["path"] == KB and kb["id"] == {"field": "id", "kind": "integer"} and kb["count"] == 2
    assert kb["operations"]["knowledge_base_source_retrieve"] == "lookup"
    assert listing["budget"] == {"resources": 1000, "bytes": 8 * 1024 * 1024, "messages": 200}
    notes = "\n".join(listing["notes"])
    assert "token_create: issues an STS token" in notes and "(threads_messages_retrieve)" not in notes


async def test_seed_data_starts_every_session_and_comes_back_after_a_reset(client: httpx.AsyncClient) -> None:
    seeded = (await client.get(KB, headers=AUTH)).json()["results"]
    # In id order: the entry given id 10, then the one without, numbered after the highest given.
    assert [(e["id"], e["content"], e["created_at"]) for e in seeded] == [
        (10, "Fiscal years start in February.", T0),
        (11, "Revenue is net of refunds.", T0),
    ]
    assert (await client.post(KB, json=ENTRY, headers=AUTH)).json()["id"] == 12
    other = (await client.get(KB, headers={**AUTH, "X-Mock-Session": "worker-2"})).json()
    assert other["count"] == 2
    thread = (await client.get("/api/v1/threads/", headers=AUTH)).json()["results"][0]
    assert thread["title"] == "Seeded thread" and thread["uid"] == "user-1" and thread["source"] in ("UI", "API", "MCP")
    assert (await client.post("/__mock/reset", json={})).status_code == 200
    assert (await client.get(KB, headers=AUTH)).json()["count"] == 2


async def test_a_collection_is_read_replaced_and_emptied(client: httpx.AsyncClient) -> None:
    assert len((await client.get("/__mock/resources/knowledge-base")).json()["resources"]) == 2
    replaced = await client.put(
        "/__mock/resources/knowledge-base", json={"resources": [{"content": "only", "connection_id": 3}]}
    )
    assert replaced.status_code == 200
    assert replaced.json()["resources"] == [
        {"id": 1, "content": "only", "connection_id": 3, "created_at": T0, "last_modified": T0}
    ]  # numbered from 1 as given; a create goes on after the highest id the collection had
    assert (await client.get(f"{KB}1/", headers=AUTH)).json()["content"] == "only"
    assert (await client.delete("/__mock/resources/knowledge-base")).json() == {
        "collection": "knowledge-base",
        "resources": [],
    }
    assert (await client.get(KB, headers=AUTH)).json()["count"] == 0
    assert (await client.post(KB, json=ENTRY, headers=AUTH)).json()["id"] == 12  # ids go on counting


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        pytest.param(
            "GET", "/__mock/resources/widgets", None, 404, "collection: 'widgets' is not a collection", id="unknown"
        ),
        pytest.param(
            "PUT",
            "/__mock/resources/knowledge-base",
            {"resources": [{"content": 1}]},
            400,
            'resources[0].content: 1 is not of type "string"',
            id="bad-resource",
        ),
        pytest.param(
            "PUT", "/__mock/resources/knowledge-base", {"items": []}, 400, "resources: is required", id="no-list"
        ),
        pytest.param(
            "PUT",
            "/__mock/resources/knowledge-base",
            {"resources": [1]},
            400,
            "resources[0]: 1 is not of type",
            id="not-object",
        ),
    ],
)
async def test_refusals_name_the_field_value_and_rule(
    client: httpx.AsyncClient, method: str, path: str, body: object, status: int, error: str
) -> None:
    r = await client.request(method, path, json=body)
    assert r.status_code == status and error in r.json()["error"], r.text


async def test_the_admin_document_describes_the_resources_api(client: httpx.AsyncClient, mock: Mock) -> None:
    assert mock.admin is not None
    for operation in (
        "admin_resources_list",
        "admin_resources_get",
        "admin_resources_replace",
        "admin_resources_clear",
    ):
        assert operation in mock.admin.operations
    r = await client.get("/__mock/resources/threads")
    assert mock.admin.operation("admin_resources_get").check_response(r.status_code, r.json()) == []
