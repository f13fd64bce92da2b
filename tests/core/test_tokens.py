from __future__ import annotations

from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mockserver.config import Settings
from mockserver.core.tokens import ALGORITHMS, SigningKeyError, generate_signer, load_signer, load_signer_file
from mockserver.mock import build_mock
from mockserver.server.app import create_app
from tests.conftest import AUTH, VALID

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


@pytest.mark.parametrize("alg", ALGORITHMS)
async def test_tokens_verify_against_the_served_jwks(alg: str, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(generate_signer(alg).private_pem())
    mock = build_mock(Settings(alg=alg, signing_key=str(key_file), audience="my-app"))
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        created = (await client.post("/api/v1/iframe/create", json={**VALID, "ttl": 120}, headers=AUTH)).json()
        token = (await client.get(f"/api/v1/iframe/token/{created['cache_key']}")).json()["token"]
        jwks = (await client.get("/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg and header["kid"]
    if alg == "HS256":
        assert jwks == {"keys": []}  # a shared secret is never published
        key: object = key_file.read_bytes()
    else:
        (published,) = jwks["keys"]
        assert published["kid"] == header["kid"] and published["alg"] == alg and published["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(published)
        key = jwt.PyJWK(published)
    claims = jwt.decode(token, key, algorithms=[alg], audience="my-app", issuer="http://mock.test")  # type: ignore[arg-type]
    assert claims["sub"] == VALID["uid"] and claims["srcs"] == VALID["srcs"]
    assert claims["exp"] == claims["iat"] + 120 and claims["nbf"] == claims["iat"] and claims["jti"]


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_a_loaded_key_keeps_its_kid_across_restarts(alg: str) -> None:
    signer = generate_signer(alg)
    again = load_signer(alg, signer.private_pem())
    assert again.kid == signer.kid and again.jwks() == signer.jwks()


def test_es256_kids_differ_per_key() -> None:
    assert generate_signer("ES256").kid != generate_signer("ES256").kid


def _pem(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(
    ("alg", "data", "problem"),
    [
        pytest.param("ES256", b"hello", "not a PEM private key", id="garbage"),
        pytest.param(
            "ES256",
            _pem(rsa.generate_private_key(65537, 2048)),
            "holds an RSA private key, but --alg ES256 needs an EC P-256",
            id="wrong-kind",
        ),
        pytest.param("ES256", _pem(ec.generate_private_key(ec.SECP384R1())), "needs P-256", id="wrong-curve"),
        pytest.param("RS256", _pem(rsa.generate_private_key(65537, 1024)), "at least 2048", id="short-rsa"),
        pytest.param("HS256", b"short", "at least 32 bytes", id="short-secret"),
        pytest.param("XS999", b"", "is not one of", id="unknown-alg"),
    ],
)
def test_unusable_keys_are_clear_errors(tmp_path: Path, alg: str, data: bytes, problem: str) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(data)
    with pytest.raises(SigningKeyError, match=problem) as err:
        load_signer_file(alg, path)
    assert alg == "XS999" or str(path) in str(err.value)


def test_missing_key_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="cannot read the signing key"):
        load_signer_file("ES256", tmp_path / "absent.pem")


def test_es256_signatures_are_randomised_but_both_verify() -> None:
    signer = generate_signer("ES256")
    a, b = signer.sign({"sub": "u"}), signer.sign({"sub": "u"})
    assert a != b
    for token in (a, b):
        assert jwt.decode(token, signer.verification_key(), algorithms=["ES256"])["sub"] == "u"
