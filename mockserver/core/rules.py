"""The create endpoint's rules beyond the schema: pure functions of the request and settings."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from mockserver.config import KeyPolicy

# Settings that a theme may carry and that the deprecated request fields only fill in.
THEME_FALLBACKS = ("response_mode", "show_sidebar", "show_dashboards")


@dataclass(frozen=True)
class AuthResult:
    key: str | None  # the accepted key; None for an anonymous request or a token
    error: str | None
    claims: dict[str, Any] | None = None  # the accepted bearer token's claims (an STS token)


def authenticate(header: str | None, keys: dict[str, KeyPolicy], allow_anonymous: bool) -> AuthResult:
    """Check `Authorization: Bearer <key>`; with no keys configured, any non-empty key passes."""
    if not header:
        if allow_anonymous:
            return AuthResult(None, None)
        return AuthResult(None, "Authorization header is missing; send 'Authorization: Bearer <API key>'")
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer":
        return AuthResult(None, f"Authorization scheme {scheme[:20]!r} is not accepted; use 'Bearer <API key>'")
    if not key:
        return AuthResult(None, "Authorization: Bearer needs an API key after it, and none was sent")
    found = accepted_key(key, keys)
    if found is None:
        return AuthResult(None, f"API key {mask(key)!r} is not one of the keys this mock accepts")
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


def mask(key: str) -> str:
    return key[:4] + "…" if len(key) > 4 else "…"


def defaults_of(schema: dict[str, Any]) -> dict[str, Any]:
    """The `default` of each top-level property, read from the contract."""
    props = schema.get("properties") or {}
    return {name: prop["default"] for name, prop in props.items() if isinstance(prop, dict) and "default" in prop}


def model_error(policy: KeyPolicy | None, model: str, key: str | None) -> str | None:
    if policy is None or policy.models is None or model in policy.models:
        return None
    allowed = ", ".join(policy.models) or "none"
    return f"model: {model!r} is not allowed for API key {mask(key or '')!r}; this key may use: {allowed}"


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def resolve(body: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The request with defaults filled in; theme values win over the deprecated fallbacks."""
    settings = {**defaults, **body}
    theme = body.get("theme") or {}
    for name in THEME_FALLBACKS:
        if name in theme:
            value = theme[name] if name == "response_mode" else _flag(theme[name])
            if value is not None:
                settings[name] = value
    return settings


def claims(settings: dict[str, Any], *, issuer: str, audience: str, now: float, jti: str) -> dict[str, Any]:
    """The JWT payload: registered claims plus what the iframe is allowed to do."""
    iat = int(now)
    out: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": settings["uid"],
        "iat": iat,
        "nbf": iat,
        "exp": iat + settings["ttl"],
        "jti": jti,
        "srcs": settings["srcs"],
        "model": settings["model"],
        "knowledge_base_entries": settings.get("knowledge_base_entries", []),
        "reference_queries": settings.get("reference_queries", []),
    }
    # What an older document's create does not have (the 2025-08-18 one has no response_mode), the token leaves out.
    for optional in ("response_mode", "show_sidebar", "show_dashboards", "theme", "theme_id", "limits"):
        if optional in settings:
            out[optional] = settings[optional]
    return out
