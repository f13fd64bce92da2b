"""A request's headers, query and cookies read straight from the ASGI scope, for endpoints that build no Request."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import Scope


def header_map(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; the first of repeated ones wins, as in Starlette's `Headers`."""
    return {key.decode("latin-1"): value.decode("latin-1") for key, value in reversed(scope["headers"])}


def query_map(scope: Scope) -> dict[str, list[str]]:
    """Each query parameter's values, in order (`?a=1&a=2` → `{"a": ["1", "2"]}`)."""
    raw: bytes = scope.get("query_string", b"")
    return parse_qs(raw.decode("latin-1"), keep_blank_values=True) if raw else {}


def cookie_map(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return {}  # a cookie header the mock cannot read counts as no cookies: a missing one is then named
    return {name: morsel.value for name, morsel in jar.items()}
