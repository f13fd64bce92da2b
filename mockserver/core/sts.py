"""STS tokens: short-lived JWTs a backend gets with its API key for browser use, accepted as bearer credentials.

Signed by the mock's one `Signer` (the iframe tokens' algorithm and `kid`), so any replica sharing the signing key
verifies any replica's tokens without a store. A token lives until its `exp` on the mock's clock. Verified
signatures are remembered (a bounded cache), so a client calling with one token pays for the check once; plain API
keys never reach this module.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import jwt

from mockserver.core.camelai import CAMELAI
from mockserver.core.clock import Clock, format_time
from mockserver.core.rules import AuthResult
from mockserver.core.tokens import Signer

VERIFIED_CACHE = 4096  # tokens whose signature was checked, kept so the next call skips the check
_WHERE = "Authorization: Bearer <STS token>"


def looks_like_jwt(credential: str) -> bool:
    """Cheap: three base64url parts, the first a JSON object (`eyJ` is `{"` encoded)."""
    return credential.startswith("eyJ") and credential.count(".") == 2


def sts_claims(fields: dict[str, Any], *, scopes_claim: str, issuer: str, now: float, jti: str) -> dict[str, Any]:
    """The token's payload from the request's fields (defaults already applied): whom, what and until when;
    `scopes_claim` (the request field and claim that tell an STS token from an iframe token) from spec/camelai.py."""
    iat = int(now)
    f = CAMELAI.create
    sources = fields.get(f.sources)
    if sources is None:
        sources = [fields[f.source]] if f.source in fields else []  # the deprecated single source
    out: dict[str, Any] = {
        "iss": issuer,
        "sub": fields[f.uid],
        scopes_claim: fields[scopes_claim],
        f.sources: sources,
        f.knowledge_base: fields.get(f.knowledge_base, []),
        "iat": iat,
        "exp": iat + fields[f.ttl],
        "jti": jti,
    }
    if f.reference_queries in fields:
        out[f.reference_queries] = fields[f.reference_queries]
    return out


class StsVerifier:
    """Checks a bearer JWT: signed by this mock's key, carrying the STS claim `scopes_claim`, not expired."""

    def __init__(self, signer: Signer, clock: Clock, scopes_claim: str) -> None:
        self.signer = signer
        self.clock = clock
        self.scopes_claim = scopes_claim
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def check(self, token: str) -> AuthResult:
        claims = self._verified.get(token)
        if claims is None:
            found = self._verify(token)
            if isinstance(found, str):
                return AuthResult(None, f"{_WHERE}: {found}")
            claims = self._verified[token] = found
            if len(self._verified) > VERIFIED_CACHE:
                self._verified.popitem(last=False)
        now = self.clock.now()
        if claims["exp"] <= now:
            return AuthResult(
                None,
                f"{_WHERE}: the token expired at {format_time(claims['exp'])} (the mock's clock says "
                f"{format_time(now)}); get a new one from the token endpoint",
            )
        return AuthResult(None, None, claims)

    def _verify(self, token: str) -> dict[str, Any] | str:
        """The claims of a token this mock signed, or why it is not one."""
        signer = self.signer
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return "is not a JWT this mock can read"
        if header.get("kid") != signer.kid or header.get("alg") != signer.alg:
            return f"was not signed by this mock's key (its {signer.alg} key, kid {signer.kid!r})"
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                signer.verification_key(),
                algorithms=[signer.alg],
                # Expiry is judged on the mock's clock below, not on this machine's.
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.InvalidSignatureError:
            return f"its signature does not verify with this mock's key (kid {signer.kid!r})"
        except jwt.PyJWTError:
            return "is not a JWT this mock can read"
        if not isinstance(claims.get(self.scopes_claim), list):
            return f"is not an STS token (it has no {self.scopes_claim!r} claim: an iframe token, say)"
        if not isinstance(claims.get("exp"), int | float) or not isinstance(claims.get("sub"), str):
            return "is not an STS token (it needs 'sub' and a numeric 'exp')"
        return claims
