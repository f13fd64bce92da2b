"""Who may call an operation, read from its `security` (or the document's): http bearer and basic, and apiKey in a
header, query parameter or cookie. `{}` among the alternatives allows an anonymous request, unless the operation is
marked `x-mock-credentials-required` (the mock's overlay marks camelAI's create so: its guides always send a key)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.config import KeyPolicy
from mockserver.core.rules import AuthResult, accepted_key, authenticate
from mockserver.core.sts import looks_like_jwt

BEARER_KINDS = {"oauth2", "openIdConnect"}  # their tokens arrive as `Authorization: Bearer <token>`
# Checks a bearer credential shaped like a JWT (core/sts.py); a plain API key never reaches it.
TokenCheck = Callable[[str], AuthResult]


@dataclass(frozen=True)
class Credential:
    scheme: str  # its name in components.securitySchemes
    kind: str  # "bearer", "basic" or "apikey"
    location: str  # "header", "query" or "cookie"
    name: str  # where it is sent: "authorization", a header, query or cookie name

    def describe(self) -> str:
        if self.kind == "bearer":
            return "'Authorization: Bearer <key>'"
        if self.kind == "basic":
            return "'Authorization: Basic <base64 of user:key>'"
        return {"header": f"the header '{self.name}: <key>'", "query": f"the query parameter '{self.name}=<key>'"}.get(
            self.location, f"the cookie '{self.name}=<key>'"
        )


@dataclass(frozen=True)
class Security:
    alternatives: tuple[tuple[Credential, ...], ...]  # any one alternative; every credential of it
    anonymous: bool  # a request with no credentials at all is accepted
    # Where its credentials are sent: an endpoint reads the query or cookies only when one is there.
    locations: frozenset[str] = frozenset()
    bearer_only: bool = False  # one alternative, `Authorization: Bearer`: the hot create's case, checked directly

    @property
    def challenge(self) -> str:
        """The WWW-Authenticate header of a 401."""
        kinds = {c.kind for alternative in self.alternatives for c in alternative}
        return 'Basic realm="camelai-mock"' if kinds == {"basic"} else 'Bearer realm="camelai-mock"'

    def check(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, list[str]],
        cookies: Mapping[str, str],
        keys: dict[str, KeyPolicy],
        allow_anonymous: bool,
        tokens: TokenCheck | None = None,
    ) -> AuthResult:
        """The key (or token) that passed, or why none did; a credential is never repeated in the reason. With
        `tokens`, a bearer credential shaped like a JWT is a token, checked by it, unless it is a configured key."""
        if self.bearer_only:
            header = headers.get("authorization")
            if tokens is None or not _bearer_jwt(header):  # a plain key (the hot create's case) is checked directly
                return authenticate(header, keys, self.anonymous or allow_anonymous)
        presented = [alt for alt in self.alternatives if all(_sent(c, headers, query, cookies) for c in alt)]
        if not presented:
            if self.anonymous or allow_anonymous or not self.alternatives:
                return AuthResult(None, None)
            ways = " or ".join(" with ".join(c.describe() for c in alt) for alt in self.alternatives)
            return AuthResult(None, f"no credentials were sent; send {ways}")
        reasons: list[str] = []
        for alternative in presented:
            key: str | None = None
            claims: dict[str, Any] | None = None
            for credential in alternative:
                result = _check(credential, headers, query, cookies, keys, tokens)
                if result.error:
                    reasons.append(result.error)
                    break
                key, claims = key or result.key, claims or result.claims
            else:
                return AuthResult(key, None, claims)
        return AuthResult(None, reasons[0])


def _sent(
    c: Credential, headers: Mapping[str, str], query: Mapping[str, list[str]], cookies: Mapping[str, str]
) -> bool:
    if c.location == "query":
        return c.name in query
    if c.location == "cookie":
        return c.name in cookies
    value = headers.get(c.name)
    if value is None:
        return False
    if c.kind == "apikey":
        return True
    scheme = value.strip().partition(" ")[0].lower()
    return scheme == c.kind  # "bearer" / "basic": an Authorization of another scheme belongs to another alternative


def _bearer_jwt(header: str | None) -> bool:
    scheme, _, credential = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and looks_like_jwt(credential.strip())


def _check(
    c: Credential,
    headers: Mapping[str, str],
    query: Mapping[str, list[str]],
    cookies: Mapping[str, str],
    keys: dict[str, KeyPolicy],
    tokens: TokenCheck | None,
) -> AuthResult:
    if c.kind == "bearer":
        header = headers.get("authorization")
        if tokens is not None and header is not None:
            token = header.strip().partition(" ")[2].strip()
            if looks_like_jwt(token) and not (keys and accepted_key(token, keys)):
                return tokens(token)
        return authenticate(header, keys, allow_anonymous=False)
    if c.kind == "basic":
        encoded = headers["authorization"].strip().partition(" ")[2].strip()
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return AuthResult(None, "Authorization: Basic needs base64 of 'user:key' after it")
        found = accepted_key(password, keys) or accepted_key(user, keys)
        return AuthResult(found, None if found else "Authorization: Basic names no key this mock accepts")
    raw = {"header": headers.get(c.name), "query": (query.get(c.name) or [""])[0], "cookie": cookies.get(c.name)}
    value = (raw[c.location] or "").strip()
    found = accepted_key(value, keys) if value else None
    if found is None:
        where = {"header": "header", "query": "query parameter", "cookie": "cookie"}[c.location]
        return AuthResult(None, f"{where} {c.name}: {'is empty' if not value else 'is not a key this mock accepts'}")
    return AuthResult(found, None)


PUBLIC = Security((), True)


def compile_security(
    requirements: Any, schemes: dict[str, Any], credentials_required: bool, warn: list[str]
) -> Security:
    """`requirements` is the operation's (or the document's) `security` list; unknown schemes are warned about and
    their alternative dropped."""
    if not isinstance(requirements, list) or not requirements:
        return PUBLIC
    alternatives: list[tuple[Credential, ...]] = []
    anonymous = False
    for requirement in requirements:
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            anonymous = True
            continue
        credentials = [_credential(name, schemes.get(name), warn) for name in requirement]
        if all(c is not None for c in credentials):
            alternatives.append(tuple(c for c in credentials if c is not None))
    if not alternatives:
        return PUBLIC
    locations = frozenset(c.location for alternative in alternatives for c in alternative)
    bearer_only = len(alternatives) == 1 and [c.kind for c in alternatives[0]] == ["bearer"]
    return Security(tuple(alternatives), anonymous and not credentials_required, locations, bearer_only)


def _credential(name: str, scheme: Any, warn: list[str]) -> Credential | None:
    if not isinstance(scheme, dict):
        warn.append(f"security scheme {name!r} is not in components.securitySchemes; that alternative is ignored")
        return None
    kind = scheme.get("type")
    if kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
        return Credential(name, str(scheme["scheme"]).lower(), "header", "authorization")
    if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and scheme.get("name"):
        where = scheme["in"]
        return Credential(name, "apikey", where, scheme["name"].lower() if where == "header" else scheme["name"])
    if kind in BEARER_KINDS:
        warn.append(f"security scheme {name!r} ({kind}) is checked as a bearer token: any accepted key")
        return Credential(name, "bearer", "header", "authorization")
    warn.append(f"security scheme {name!r} ({kind} {scheme.get('scheme', '')}) is not understood; alternative ignored")
    return None
