from __future__ import annotations

import httpx
import pytest

from mockserver.mock import Mock
from mockserver.testing.live_server import ThreadedServer
from tests.conftest import AUTH, VALID

CREATE = "/api/v1/iframe/create"
NAME = "équipe-€"


async def test_a_utf8_session_name_means_one_session_in_the_header_and_the_query(
    client: httpx.AsyncClient, mock: Mock
) -> None:
    header = {"X-Mock-Session": NAME.encode()}  # httpx sends bytes as they are, as a browser or curl would
    created = await client.post(CREATE, json=VALID, headers={**AUTH, **header})
    assert created.status_code == 200, created.text
    key = created.json()["cache_key"]
    assert created.json()["iframe_url"].endswith(f"/iframe/{key}/?mock_session=%C3%A9quipe-%E2%82%AC")
    by_header = await client.get(f"/api/v1/iframe/token/{key}", headers=header)
    by_query = await client.get(f"/api/v1/iframe/token/{key}", params={"mock_session": NAME})
    assert (by_header.status_code, by_query.status_code) == (200, 200)
    assert len(await mock.store.journal(NAME)) == 3
    assert len((await client.get("/__mock/requests", headers=header)).json()["requests"]) == 3


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(CREATE, id="create"),
        pytest.param("/__mock/requests", id="admin"),
        pytest.param("/iframe/k/", id="page"),
    ],
)
async def test_a_session_header_that_is_not_utf8_is_a_400_naming_it(
    client: httpx.AsyncClient, mock: Mock, path: str
) -> None:
    latin1 = "équipe".encode("latin-1")
    if path == CREATE:
        r = await client.post(path, json=VALID, headers={**AUTH, "X-Mock-Session": latin1})
    else:
        r = await client.get(path, headers={"X-Mock-Session": latin1})
    assert r.status_code == 400
    assert (
        r.json()["error"] == "X-Mock-Session: b'\\xe9quipe' is not valid UTF-8 (byte 0); send the session name as UTF-8"
    )


def test_a_utf8_session_header_works_over_a_real_socket(live: ThreadedServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        created = client.post(CREATE, json=VALID, headers={**AUTH, "X-Mock-Session": NAME.encode()})
        assert created.status_code == 200, created.text
        page = client.get(created.json()["iframe_url"])
        assert page.status_code == 200
        refused = client.get("/__mock/requests", headers={"X-Mock-Session": b"\xe9quipe"})
        assert refused.status_code == 400 and "is not valid UTF-8" in refused.json()["error"]
        assert len(client.get("/__mock/requests", headers={"X-Mock-Session": NAME.encode()}).json()["requests"]) == 2
