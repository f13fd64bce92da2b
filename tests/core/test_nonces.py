"""ES256 with nonces made ahead by the helper process: real signatures, each nonce used once, and the
library signing whenever the helper has none ready."""

from __future__ import annotations

import hashlib
import os
import select
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from mockserver.config import Settings
from mockserver.core.nonces import ORDER, RECORD, NoncePool, _invert_all, make_batch, sign_with
from mockserver.core.tokens import Signer, generate_signer
from mockserver.mock import build_mock
from mockserver.testing.live_server import serve_in_thread
from tests.conftest import AUTH, VALID
from tests.processes import MockProcess

scalars = st.integers(min_value=1, max_value=ORDER - 1)


def verify(signer: Signer, message: bytes, jws_signature: bytes) -> None:
    r, s = int.from_bytes(jws_signature[:32], "big"), int.from_bytes(jws_signature[32:], "big")
    signer.key.public_key().verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))  # raises if wrong


@pytest.fixture(scope="module")
def started() -> Iterator[Signer]:
    signer = generate_signer("ES256")
    assert signer.nonces is not None
    signer.start()
    assert signer.nonces.wait_ready(timeout=30), "the nonce helper delivered nothing"
    yield signer
    signer.close()


@given(st.lists(scalars, min_size=1, max_size=20))
def test_batch_inversion_agrees_with_one_inversion_each(values: list[int]) -> None:
    assert _invert_all(values) == [pow(v, -1, ORDER) for v in values]


@given(k=scalars, message=st.binary(max_size=600))
def test_a_signature_finished_from_a_ready_pair_verifies(k: int, message: bytes) -> None:
    signer = generate_signer("ES256")
    r = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers().x % ORDER
    digest = hashlib.sha256(message).digest()
    signature = sign_with((pow(k, -1, ORDER), r), digest, signer.key.private_numbers().private_value)
    assert signature is not None
    verify(signer, message, signature)


def test_a_batch_holds_distinct_usable_pairs() -> None:
    batch = make_batch(8)
    records = [batch[i : i + RECORD] for i in range(0, len(batch), RECORD)]
    assert len(batch) == 8 * RECORD and len(set(records)) == 8
    signer = generate_signer("ES256")
    for record in records:
        pair = (int.from_bytes(record[:32], "big"), int.from_bytes(record[32:], "big"))
        signature = sign_with(pair, hashlib.sha256(b"m").digest(), signer.key.private_numbers().private_value)
        assert signature is not None
        verify(signer, b"m", signature)


def test_tokens_signed_with_the_helpers_nonces_verify_and_never_repeat_r(started: Signer) -> None:
    assert started.nonces is not None
    used = started.nonces.used
    tokens = [started.sign({"sub": f"user-{i}"}) for i in range(200)]
    assert started.nonces.used > used  # the helper's pairs signed them, not only the library
    for i, token in enumerate(tokens):
        assert jwt.decode(token, started.verification_key(), algorithms=["ES256"])["sub"] == f"user-{i}"
    r_values = [jwt.utils.base64url_decode(t.split(".")[2])[:32] for t in tokens]
    assert len(set(r_values)) == len(r_values)  # a nonce used twice would give away the private key


def test_without_the_helper_the_library_signs() -> None:
    pool = NoncePool()
    assert pool.take() is None and not pool.wait_ready(timeout=0)
    signer = generate_signer("ES256")
    assert signer.nonces is not None
    signer.start()
    signer.close()  # gone before it delivered, or after: either way nothing is left to take
    token = signer.sign({"sub": "u"})
    assert jwt.decode(token, signer.verification_key(), algorithms=["ES256"])["sub"] == "u"
    assert signer.nonces.used == 0


def test_a_helper_that_dies_leaves_the_library_signing() -> None:
    signer = generate_signer("ES256")
    pool = signer.nonces
    assert pool is not None
    pool.start()
    assert pool.wait_ready(timeout=30)
    assert pool._process is not None
    pool._process.kill()
    pool._process.wait()
    tokens = [signer.sign({"sub": "u"}) for _ in range(3000)]  # more than the pipe could have held
    assert all(jwt.decode(t, signer.verification_key(), algorithms=["ES256"])["sub"] == "u" for t in tokens)
    assert pool.take() is None  # the end of the pipe was seen
    pool.close()


def test_a_served_mock_signs_with_the_helper_and_stops_it() -> None:
    mock = build_mock(Settings())
    assert mock.signer.nonces is not None
    with serve_in_thread(mock) as server:
        assert mock.signer.nonces.wait_ready(timeout=30)
        with httpx.Client(base_url=server.url) as client:
            key = client.post("/api/v1/iframe/create", json=VALID, headers=AUTH).json()["cache_key"]
            token = client.get(f"/api/v1/iframe/token/{key}").json()["token"]
            (published,) = client.get("/.well-known/jwks.json").json()["keys"]
        process = mock.signer.nonces._process
        assert mock.signer.nonces.used >= 1
    claims = jwt.decode(token, jwt.PyJWK(published), algorithms=["ES256"], options={"verify_aud": False})
    assert claims["sub"] == VALID["uid"]
    assert process is not None and process.poll() is not None  # stopped with the server


def _helpers_of(pid: int) -> list[int]:
    """The server's nonce helpers, from Linux's /proc (as the mock's CI and image run)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"mockserver.core.nonces" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_the_helper_does_not_outlive_a_killed_server() -> None:
    server = MockProcess()
    try:
        with httpx.Client(base_url=server.url) as client:  # answered: the lifespan, and so the helper, has started
            assert client.post("/api/v1/iframe/create", json=VALID, headers=AUTH).status_code == 200
        (helper,) = _helpers_of(server.proc.pid)
        watch = os.pidfd_open(helper)
        server.proc.kill()  # no shutdown, no lifespan: only the closed pipe tells the helper
        server.proc.wait()
        ended, _, _ = select.select([watch], [], [], 30)
        os.close(watch)
        assert ended, "the nonce helper kept running after its server was killed"
    finally:
        server.stop()
