"""One Redis round trip per request: counted by a relay between the mock and Redis (tests/redis_relay.py).

A request's round (store/round.py) carries the shared clock's check, the fault check and the journal entries of
earlier requests with the request's own store call. These counts fail as soon as anyone adds a round trip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis.asyncio as redis

from mockserver.config import Settings
from mockserver.mock import Mock, build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, SPEC_2025, T0, VALID
from tests.redis_relay import CountingRelay
from tests.redis_server import RedisServer

pytestmark = pytest.mark.redis  # every test here counts round trips to a real redis-server

KB = "/api/v1/knowledge-base/"


@pytest.fixture
def relay(redis_server: RedisServer) -> Iterator[CountingRelay]:
    relay = CountingRelay(redis_server).start()
    yield relay
    relay.stop()


@pytest.fixture
async def counted(relay: CountingRelay, store_prefix: str) -> AsyncIterator[tuple[Mock, httpx.AsyncClient]]:
    settings = Settings(clock=f"frozen:{T0}", spec=SPEC_2025, store=relay.url, store_prefix=store_prefix)
    mock = build_mock(settings)
    await mock.store.start()  # as the app's lifespan does (httpx's ASGI transport runs none)
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test", headers=AUTH) as client:
        await client.post(KB, json={"content": "warm", "connection_id": 1})  # opens the pool's connection
        yield mock, client
    await mock.store.close()


async def trips(relay: CountingRelay, request: httpx.Request, client: httpx.AsyncClient, status: int) -> int:
    before = relay.count()
    answer = await client.send(request)
    assert answer.status_code == status, answer.text
    return relay.count() - before


async def test_each_request_on_a_session_without_faults_costs_one_round_trip(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient]
) -> None:
    _, client = counted
    made = await client.post(KB, json={"content": "x", "connection_id": 2})
    item = f"{KB}{made.json()['id']}/"
    cases = [
        ("create", client.build_request("POST", KB, json={"content": "y", "connection_id": 3}), 201),
        ("retrieve", client.build_request("GET", item), 200),
        ("update", client.build_request("PATCH", item, json={"content": "changed"}), 200),
        ("list", client.build_request("GET", KB), 200),
        ("delete", client.build_request("DELETE", item), 204),
        ("iframe create", client.build_request("POST", "/api/v1/iframe/create", json=VALID), 200),
        ("no store work", client.build_request("GET", "/.well-known/jwks.json"), 200),
    ]
    counts = {name: await trips(relay, request, client, status) for name, request, status in cases}
    assert counts == {name: 1 for name, _, _ in cases}


async def test_the_journal_entries_ride_with_later_calls_and_a_reader_sees_them_all(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient]
) -> None:
    _, client = counted
    for n in range(3):
        request = client.build_request("POST", KB, json={"content": f"{n}", "connection_id": 1})
        assert await trips(relay, request, client, 201) == 1
    journal = (await client.get("/__mock/requests")).json()["requests"]
    assert [e["status"] for e in journal if e["method"] == "POST"][-3:] == [201, 201, 201]


@pytest.mark.parametrize(
    ("fault", "status", "most"),
    [
        pytest.param({"status": 503}, 503, 1, id="status: taken by the request's one call"),
        pytest.param({"status": 503, "path": "/elsewhere"}, 201, 1, id="queued for another path"),
        pytest.param({"delay": 0.01}, 201, 2, id="delay: then the request runs"),
    ],
)
async def test_a_session_with_queued_faults_costs_two_round_trips_at_most(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient], fault: dict[str, object], status: int, most: int
) -> None:
    _, client = counted
    assert (await client.post("/__mock/faults", json=fault)).status_code == 201
    request = client.build_request("POST", KB, json={"content": "f", "connection_id": 1})
    assert await trips(relay, request, client, status) == most


async def test_a_clock_moved_by_another_replica_costs_two_round_trips_and_is_seen(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient], store_prefix: str
) -> None:
    mock, client = counted
    other = build_mock(Settings(clock=f"frozen:{T0}", store=relay.url, store_prefix=store_prefix))
    other.clock.advance(3600)
    await other.store.save_clock(other.clock.state)
    await other.store.close()
    request = client.build_request("POST", KB, json={"content": "later", "connection_id": 1})
    assert await trips(relay, request, client, 201) == 2
    assert mock.clock.now() == other.clock.now()


async def test_a_seeded_collection_costs_two_round_trips_on_first_use(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient]
) -> None:
    mock, client = counted
    mock.store.resources.seeds["knowledge-base"] = [("1", 1, {"id": 1, "content": "seeded", "connection_id": 1})]
    request = client.build_request("GET", KB, headers={"X-Mock-Session": "fresh"})
    assert await trips(relay, request, client, 200) == 2
    assert await trips(relay, client.build_request("GET", KB, headers={"X-Mock-Session": "fresh"}), client, 200) == 1


async def test_a_journal_read_on_another_replica_sees_every_answered_request(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient], store_prefix: str
) -> None:
    _, on_a = counted
    b = build_mock(Settings(clock=f"frozen:{T0}", spec=SPEC_2025, store=relay.url, store_prefix=store_prefix))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(b)), base_url="http://b.test"
        ) as on_b:
            made = (await on_a.post(KB, json={"content": "on A", "connection_id": 1})).json()
            # A's entry waits for A's next call; B's read asks A for it (pub/sub) and waits until it is in.
            journal = (await on_b.get("/__mock/requests")).json()["requests"]
    finally:
        await b.store.close()
    assert [e["status"] for e in journal if e["path"] == KB and e["method"] == "POST"][-1] == 201
    assert str(made["id"]) in journal[-1]["response"]["body"]


async def test_coverage_counters_ride_in_the_requests_one_round_trip(
    relay: CountingRelay, counted: tuple[Mock, httpx.AsyncClient]
) -> None:
    _, client = counted
    valid = client.build_request("POST", "/api/v1/iframe/create", json=VALID)
    invalid = client.build_request("POST", "/api/v1/iframe/create", json={**VALID, "ttl": 5})
    assert await trips(relay, valid, client, 200) == 1
    assert await trips(relay, invalid, client, 400) == 1
    assert await trips(relay, client.build_request("GET", KB), client, 200) == 1  # carries the last two's counters
    report = (await client.get("/__mock/coverage")).json()
    create = report["operations"]["iframe_create_create"]
    assert (create["answers"]["200"]["count"], create["answers"]["400"]["count"]) == (1, 1)
    assert report["breaches"][0]["field"] == "body.ttl"


async def test_steady_requests_leave_the_count_of_entries_to_come_untouched(
    redis_server: RedisServer, counted: tuple[Mock, httpx.AsyncClient]
) -> None:
    """Each request's round counts its own entry as coming and the last one's as arrived: the two cancel, so no
    command changes the count (it took eight a request: a decrement and its delete, an increment and its expiry, for
    the session's count and for the total)."""
    _, client = counted
    made = (await client.post(KB, json={"content": "x", "connection_id": 2})).json()
    direct = redis.Redis.from_url(redis_server.url)
    try:
        await direct.config_resetstat()
        for _ in range(5):
            assert (await client.get(f"{KB}{made['id']}/")).status_code == 200
        called = await direct.info("commandstats")
    finally:
        await direct.aclose()
    assert not {"cmdstat_incrby", "cmdstat_decrby", "cmdstat_del"} & set(called), sorted(called)
    journal = (await client.get("/__mock/requests")).json()["requests"]  # a reader still waits for the last one
    assert [e["method"] for e in journal][-6:] == ["POST", *["GET"] * 5]
