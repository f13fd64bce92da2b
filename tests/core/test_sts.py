"""STS tokens: who signed them, what they claim, and when they expire on the mock's clock."""

from __future__ import annotations

import pytest

from mockserver.core.clock import Clock, ClockState
from mockserver.core.sts import VERIFIED_CACHE, StsVerifier, looks_like_jwt, sts_claims
from mockserver.core.tokens import generate_signer

T = 1_767_225_600.0


def test_claims_name_the_uid_scopes_sources_and_lifetime() -> None:
    fields = {"uid": "u", "scopes": ["query"], "ttl": 300, "src": "9", "knowledge_base_entries": ["k"]}
    claims = sts_claims(fields, scopes_claim="scopes", issuer="http://mock", now=T + 0.7, jti="j")
    assert claims == {
        "iss": "http://mock",
        "sub": "u",
        "scopes": ["query"],
        "srcs": ["9"],  # the deprecated single `src`, as a list
        "knowledge_base_entries": ["k"],
        "iat": int(T),
        "exp": int(T) + 300,
        "jti": "j",
    }
    assert sts_claims({**fields, "srcs": ["1", "2"]}, scopes_claim="scopes", issuer="i", now=T, jti="j")["srcs"] == [
        "1",
        "2",
    ]


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA", "HS256"])
def test_a_token_lives_until_exp_on_the_mocks_clock(alg: str) -> None:
    signer = generate_signer(alg)
    clock = Clock(ClockState(True, T))
    verifier = StsVerifier(signer, clock, "scopes")
    token = signer.sign(
        sts_claims({"uid": "u", "scopes": [], "ttl": 60}, scopes_claim="scopes", issuer="i", now=T, jti="j")
    )
    accepted = verifier.check(token)
    assert accepted.error is None and accepted.claims is not None and accepted.claims["sub"] == "u"
    clock.advance(60)
    assert "the token expired at 2026-01-01T00:01:00Z" in (verifier.check(token).error or "")


def test_only_the_mocks_own_sts_tokens_pass() -> None:
    signer, other = generate_signer("ES256"), generate_signer("ES256")
    verifier = StsVerifier(signer, Clock(ClockState(True, T)), "scopes")
    claims = sts_claims({"uid": "u", "scopes": [], "ttl": 60}, scopes_claim="scopes", issuer="i", now=T, jti="j")
    assert "was not signed by this mock's key" in (verifier.check(other.sign(claims)).error or "")
    without_scopes = {k: v for k, v in claims.items() if k != "scopes"}
    assert "is not an STS token" in (verifier.check(signer.sign(without_scopes)).error or "")
    assert "is not an STS token" in (verifier.check(signer.sign({**claims, "exp": "soon"})).error or "")


def test_verified_tokens_are_remembered_within_a_bound() -> None:
    signer = generate_signer("HS256")
    verifier = StsVerifier(signer, Clock(ClockState(True, T)), "scopes")
    for n in range(VERIFIED_CACHE + 5):
        claims = sts_claims(
            {"uid": f"u{n}", "scopes": [], "ttl": 60}, scopes_claim="scopes", issuer="i", now=T, jti=str(n)
        )
        assert verifier.check(signer.sign(claims)).error is None
    assert len(verifier._verified) == VERIFIED_CACHE


@pytest.mark.parametrize(
    ("credential", "jwt"),
    [("eyJh.eyJi.c2ln", True), ("sk-test", False), ("eyJh.only-two", False), ("xeyJh.a.b", False)],
)
def test_only_jwt_shaped_credentials_are_checked_as_tokens(credential: str, jwt: bool) -> None:
    assert looks_like_jwt(credential) is jwt
