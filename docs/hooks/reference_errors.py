"""Error formats and token claims, as the mock produces them: each example below is sent at build time to an
in-process mock (a frozen clock, the key `sk-test`) and its answer shown as it came; the claims are read from a token
the mock signed, and the request fields among them are described by the served document."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from reference_tables import code, prose, table

from mockserver.core.camelai import CAMELAI
from mockserver.testing import default_settings, transport

ROOT = Path(__file__).parents[2]
SPEC_2025 = ROOT / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"
CREATE = "/api/v1/iframe/create"
AUTH = {"Authorization": "Bearer sk-test"}
LINK = {"uid": "user-1", "srcs": ["123"], "ttl": 900}
SHOWN = ("authorization", "content-type", "origin")  # the request headers an example is about

# (what the example shows, settings changed, request)
Example = tuple[str, dict[str, Any], Callable[[httpx.Client], httpx.Response]]
ERRORS: list[Example] = [
    (
        "A body the document refuses: each broken rule as `field: value rule`",
        {},
        lambda c: c.post(CREATE, headers=AUTH, json={"uid": "", "srcs": "123", "ttl": 59, "model": "gpt-9"}),
    ),
    (
        "A body that is not JSON",
        {},
        lambda c: c.post(CREATE, headers={**AUTH, "Content-Type": "application/json"}, content=b"{uid"),
    ),
    (
        "A key the mock does not accept",
        {},
        lambda c: c.post(CREATE, headers={"Authorization": "Bearer sk-wrong"}, json=LINK),
    ),
    ("No credential", {}, lambda c: c.post(CREATE, json=LINK)),
    (
        "A media type the operation does not take",
        {},
        lambda c: c.post(CREATE, headers={**AUTH, "Content-Type": "text/plain"}, content=b"uid=1"),
    ),
    (
        "A body past --max-body-bytes",
        {"max_body_bytes": 64},
        lambda c: c.post(CREATE, headers=AUTH, json={**LINK, "uid": "u" * 100}),
    ),
    ("A path the document does not have", {}, lambda c: c.get("/api/v1/iframe/creat", headers=AUTH)),
    ("A method the path does not have", {}, lambda c: c.get(CREATE, headers=AUTH)),
    ("A token lookup for a key never issued", {}, lambda c: c.get("/api/v1/iframe/token/never-issued")),
    (
        "An admin request from another origin",
        {},
        lambda c: c.get("/__mock/clock", headers={"Origin": "http://evil.example", "Host": "localhost"}),
    ),
    (
        "An operation of camelAI's 2025 document (`--spec`): the error in the shape that operation documents",
        {"spec": str(SPEC_2025)},
        lambda c: c.post("/api/v1/knowledge-base/", headers=AUTH, json={"content": 5}),
    ),
]

# The claims the mock adds to the request's fields, each with what it holds and a check that the example holds it.
REGISTERED: dict[str, tuple[str, Callable[[dict[str, Any], dict[str, Any]], bool]]] = {
    "iss": (
        "the mock's base URL (`--public-url`, else the URL the request came in on)",
        lambda c, s: c["iss"].startswith("http"),
    ),
    "aud": ("`--audience` (default `camelai-iframe`)", lambda c, s: c["aud"] == s["audience"]),
    "sub": ("the request's `uid`", lambda c, s: c["sub"] == LINK["uid"]),
    "iat": ("when it was signed, on the mock's clock (Unix seconds)", lambda c, s: isinstance(c["iat"], int)),
    "nbf": ("the same as `iat`", lambda c, s: c["nbf"] == c["iat"]),
    "exp": ("`iat` + the request's `ttl`", lambda c, s: c["exp"] == c["iat"] + LINK["ttl"]),
    "jti": ("a unique id of this token", lambda c, s: isinstance(c["jti"], str) and len(c["jti"]) >= 16),
}


def _segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        where: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            where = where[part]
        node = where
    return node


def _create_fields(document: dict[str, Any]) -> dict[str, str]:
    """The create's request fields and their descriptions, from the served document."""
    for item in document["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == CAMELAI.iframe_create:
                media = op["requestBody"]["content"]["application/json"]
                schema = _resolve(document, media["schema"])
                return {
                    name: " ".join(str(_resolve(document, prop).get("description", "")).split())
                    for name, prop in schema.get("properties", {}).items()
                }
    raise LookupError(f"the served document has no {CAMELAI.iframe_create} operation")


def _client(changes: dict[str, Any]) -> httpx.Client:
    t = transport(settings=default_settings(clock="frozen:2026-01-01T00:00:00Z", **changes))
    return httpx.Client(transport=t, base_url=t.url)


def claims_markdown() -> str:
    with _client({}) as client:
        link = client.post(CREATE, headers=AUTH, json=LINK).json()
        token = client.get(f"/api/v1/iframe/token/{link['cache_key']}").json()["token"]
        document = client.get("/openapi.json").json()
        settings = {"audience": "camelai-iframe"}
    header, claims = _segment(token, 0), _segment(token, 1)
    described = _create_fields(document)
    rows = []
    for name, value in claims.items():
        if name in REGISTERED:
            what, holds = REGISTERED[name]
            if not holds(claims, settings):
                raise AssertionError(f"the token's {name!r} claim ({value!r}) is not {what}")
        elif name in described:
            what = f"the request's `{name}` (or its default): {prose(described[name])}"
        else:
            raise AssertionError(f"the token carries {name!r}, which neither the document nor this page describes")
        rows.append((code(name), code(json.dumps(value)), what))
    unsent = [name for name in described if name not in claims and name not in (CAMELAI.create.uid, CAMELAI.create.ttl)]
    return (
        f"The token of `POST {CREATE}` with `{json.dumps(LINK)}`, signed with the default `--alg`:\n\n"
        + f"Header: `{json.dumps(header)}` (`kid` is the key's RFC 7638 thumbprint, as the JWKS lists it).\n\n"
        + table(("claim", "example", "what it holds"), rows)
        + (
            f"\nSent with the request, these fields become claims too: {', '.join(code(n) for n in unsent)}.\n"
            if unsent
            else ""
        )
    )


def errors_markdown() -> str:
    parts = []
    for title, changes, send in ERRORS:
        with _client(changes) as client:
            answer = send(client)
        request = answer.request
        body = request.content.decode(errors="replace")
        headers = "".join(f"\n{name}: {request.headers[name]}" for name in SHOWN if name in request.headers)
        shown = f"{request.method} {request.url.raw_path.decode()}{headers}" + (f"\n\n{body}" if body else "")
        flags = " ".join(
            f"--{k.replace('_', '-')} {Path(str(v)).name if k == 'spec' else v}" for k, v in changes.items()
        )
        parts.append(
            f"### {title}\n\n"
            + (f"With `{flags}`:\n\n" if flags else "")
            + f"```http\n{shown}\n```\n\n"
            + f"`{answer.status_code}` `{answer.headers.get('content-type', '')}`\n\n```json\n{answer.text}\n```\n"
        )
    return "\n".join(parts)
