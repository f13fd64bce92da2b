"""The create endpoint's rules beyond the schema: pure functions of the request and settings."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from mockserver.config import KeyPolicy
from mockserver.core.camelai import CAMELAI

F = CAMELAI.create


@dataclass(frozen=True)
class AuthResult:
    key: str | None  # the accepted key; None for an anonymous request or a token
    error: str | None
    claims: dict[str, Any] | None = None  # the accepted bearer token's claims (an STS token)


# Schemes named in a refusal when sent instead of Bearer: registered or common ones, never secret. Any other first word
# may be the key itself (sent without its scheme), so a refusal never repeats what was sent.
OTHER_SCHEMES = {
    s.lower(): s
    for s in (
        *("Basic", "Digest", "Token", "ApiKey", "Api-Key", "Key", "JWT", "DPoP", "Negotiate", "NTLM", "HOBA"),
        *("Mutual", "OAuth", "AWS4-HMAC-SHA256", "SCRAM-SHA-1", "SCRAM-SHA-256", "vapid", "PrivateToken", "GNAP"),
    )
}
SEND_BEARER = "send 'Authorization: Bearer <API key>'"


def authenticate(header: str | None, keys: dict[str, KeyPolicy], allow_anonymous: bool) -> AuthResult:
    """Check `Authorization: Bearer <key>`; with no keys configured, any non-empty key passes.

    A refusal says what is wrong with the header without repeating any of it: a key sent without its scheme would
    otherwise be echoed into the answer, the journal and the dashboard.
    """
    if not header:
        if allow_anonymous:
            return AuthResult(None, None)
        return AuthResult(None, f"Authorization header is missing; {SEND_BEARER}")
    scheme, space, key = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        other = OTHER_SCHEMES.get(scheme.lower()) if space else None
        if other:
            wrong = f"the {other} scheme is not accepted here"
        elif scheme.lower().startswith("bearer"):  # Bearer:key, Bearer<tab>key, Bearerkey
            wrong = "'Bearer' must be followed by one space and then the key"
        elif not scheme:
            wrong = "the value is empty"
        elif not space:
            wrong = "the value has no scheme (a key alone?)"
        else:
            wrong = "the value does not start with the Bearer scheme"
        return AuthResult(None, f"Authorization: {wrong}; {SEND_BEARER}")
    key = key.strip()
    if not key:
        return AuthResult(None, "Authorization: Bearer needs an API key after it, and none was sent")
    found = accepted_key(key, keys)
    if found is None:
        return AuthResult(None, "Authorization: the API key sent is not one of the keys this mock accepts")
    return AuthResult(found, None)


def accepted_key(key: str, keys: dict[str, KeyPolicy]) -> str | None:
    """The configured key `key` is, or None; with no keys configured, any non-empty key is accepted."""
    if not keys:
        return key or None
    # Compare against every key, so timing says nothing about which prefix matched.
    found = None
    for known in keys:
        if hmac.compare_digest(known.encode(), key.encode()):
            found = known
    return found


def model_error(policy: KeyPolicy | None, model: str) -> str | None:
    if policy is None or policy.models is None or model in policy.models:
        return None
    allowed = ", ".join(policy.models) or "none"
    return f"model: {model!r} is not allowed for the API key sent; this key may use: {allowed}"


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def resolve(
    body: dict[str, Any], defaults: dict[str, Any], documented: Collection[str] | None = None
) -> dict[str, Any]:
    """The request's fields with defaults filled in; theme values win over the deprecated fallbacks. Fields outside
    `documented` (the schema's properties, when it lists them) are dropped, as the vendor's serializer drops them."""
    settings = {**defaults, **body}
    if documented is not None:
        settings = {name: value for name, value in settings.items() if name in documented}
    theme = body.get(F.theme) or {}
    for name in (F.response_mode, *F.theme_flags):  # what a theme carries wins over the deprecated request fields
        if name in theme:
            value = theme[name] if name == F.response_mode else _flag(theme[name])
            if value is not None:
                settings[name] = value
    return settings


def claims(settings: dict[str, Any], *, issuer: str, audience: str, now: float, jti: str) -> dict[str, Any]:
    """The JWT payload: every resolved request field (the iframe's grants), the uid as `sub` and the ttl as `exp`,
    and the registered claims."""
    iat = int(now)
    granted = {name: value for name, value in settings.items() if name not in (F.uid, F.ttl)}
    registered = {"iss": issuer, "aud": audience, "sub": settings[F.uid], "iat": iat, "nbf": iat}
    return {**granted, **registered, "exp": iat + settings[F.ttl], "jti": jti}
