"""What a client relies on beyond the schema, as properties over requests generated from the document in use.

Each failure carries the request, the response and a curl line (mockserver.testing.repro.explain);
hypothesis prints the smallest body that fails and a blob to replay it.
"""

from __future__ import annotations

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.strategies import create_requests, invalid_create_requests
from mockserver.testing import Target, explain


@pytest.mark.create
@given(data=st.data())
def test_expires_in_is_the_ttl_asked_for(server: Target, data: st.DataObject) -> None:
    body = data.draw(create_requests(server.contract))
    r = server.create(body)
    with explain(r):
        assert r.status_code == 200
        assert r.json()["expires_in"] == body.get("ttl", server.create_operation.defaults.get("ttl"))


@pytest.mark.create
@given(data=st.data())
def test_the_iframe_url_ends_with_the_cache_key(server: Target, data: st.DataObject) -> None:
    body = data.draw(create_requests(server.contract))
    r = server.create(body)
    with explain(r):
        assert r.status_code == 200
        answer = r.json()
        assert answer["cache_key"]
        assert answer["iframe_url"].rstrip("/").endswith("/" + answer["cache_key"])


@pytest.fixture(scope="session")
def jwks(server: Target) -> jwt.PyJWKSet:
    r = server.client.get(server.jwks_path)
    with explain(r):
        assert r.status_code == 200
        return jwt.PyJWKSet.from_dict(r.json())


@pytest.mark.mock_extensions
@pytest.mark.create
@given(data=st.data())
def test_the_token_behind_a_cache_key_verifies_and_names_the_uid(
    server: Target, jwks: jwt.PyJWKSet, data: st.DataObject
) -> None:
    body = data.draw(create_requests(server.contract))
    created = server.create(body)
    with explain(created):
        assert created.status_code == 200
    found = server.client.get(server.token_path(created.json()["cache_key"]))
    with explain(created, found):
        assert found.status_code == 200
        token = found.json()["token"]
        header = jwt.get_unverified_header(token)
        key = jwks[header["kid"]]
        claims = jwt.decode(
            token,
            key,
            algorithms=[key.algorithm_name],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        assert claims["sub"] == body["uid"]


@pytest.mark.create
@given(data=st.data())
def test_a_400_always_says_why_in_error(server: Target, data: st.DataObject) -> None:
    invalid = data.draw(invalid_create_requests(server.contract))
    r = server.create_raw(invalid.content)
    with explain(r):
        assert r.status_code == 400
        error = r.json()["error"]
        assert isinstance(error, str) and error.strip()


@pytest.mark.mock_only
@pytest.mark.mock_extensions
@pytest.mark.create
@given(data=st.data())
def test_a_link_dies_when_the_mock_clock_passes_its_ttl(server: Target, data: st.DataObject) -> None:
    body = data.draw(create_requests(server.contract))
    assert server.handle is not None
    created = server.create(body)
    key = created.json()["cache_key"]
    server.handle.clock.advance(created.json()["expires_in"] - 1)
    alive = server.client.get(server.token_path(key))
    server.handle.clock.advance(1)
    dead = server.client.get(server.token_path(key))
    page = server.client.get(server.page_path(key))
    with explain(created, alive, dead, page):
        assert alive.status_code == 200 and alive.json()["expires_in"] == 1
        assert dead.status_code == 404 and page.status_code == 410
