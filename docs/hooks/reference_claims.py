"""Token claims, as the mock signs them: tokens are issued at build time by an in-process mock and decoded; the
request fields among the claims are described by the document the mock served, the claims the mock adds by the
table below, each checked against the example token."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from reference_errors import AUTH, CREATE, LINK, SPEC_2025, client
from reference_tables import code, prose, table

from mockserver.core.camelai import CAMELAI
from mockserver.spec.document import follow

STS = {"uid": "user-1", "srcs": ["123"], "ttl": 600}
Check = Callable[[dict[str, Any], dict[str, Any]], bool]  # (claims, the request's fields) -> holds

# The claims the mock adds to the request's fields: what each holds, and a check that the example token holds it.
IFRAME: dict[str, tuple[str, Check]] = {
    "iss": (
        "the mock's base URL (`--public-url`, else the URL the request came in on)",
        lambda c, r: "://" in c["iss"],
    ),
    "aud": ("`--audience` (default `camelai-iframe`)", lambda c, r: c["aud"] == "camelai-iframe"),
    "sub": ("the request's `uid`", lambda c, r: c["sub"] == r["uid"]),
    "iat": ("when it was signed, on the mock's clock (Unix seconds)", lambda c, r: isinstance(c["iat"], int)),
    "nbf": ("the same as `iat`", lambda c, r: c["nbf"] == c["iat"]),
    "exp": ("`iat` + the request's `ttl`", lambda c, r: c["exp"] == c["iat"] + r["ttl"]),
    "jti": ("a unique id of this token", lambda c, r: isinstance(c["jti"], str) and len(c["jti"]) >= 16),
}
STS_ADDED: dict[str, tuple[str, Check]] = {name: IFRAME[name] for name in ("iss", "sub", "iat", "exp", "jti")}


def _segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = follow(node, document, "")[0]  # the mock's own reader of references
    return found


def _request_fields(document: dict[str, Any], operation_id: str) -> dict[str, str]:
    """An operation's JSON request fields and their descriptions, from the served document."""
    for item in document["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                schema = _resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
                return {
                    name: " ".join(str(_resolve(document, prop).get("description", "")).split())
                    for name, prop in schema.get("properties", {}).items()
                }
    raise LookupError(f"the served document has no {operation_id} operation")


def _claims_table(
    claims: dict[str, Any], sent: dict[str, Any], added: dict[str, tuple[str, Check]], described: dict[str, str]
) -> str:
    rows = []
    for name, value in claims.items():
        if name in added:
            what, holds = added[name]
            if not holds(claims, sent):
                raise AssertionError(f"the token's {name!r} claim ({value!r}) is not {what}")
        elif name in described:
            what = f"the request's `{name}` (or its default): {prose(described[name])}"
        else:
            raise AssertionError(f"the token carries {name!r}, which neither the document nor this page describes")
        rows.append((code(name), code(json.dumps(value)), what))
    return table(("claim", "example", "what it holds"), rows)


def _unsent(described: dict[str, str], claims: dict[str, Any]) -> str:
    """The create's fields that the example did not send and that become claims as they are when sent."""
    unsent = [name for name in described if name not in claims and name not in (CAMELAI.create.uid, CAMELAI.create.ttl)]
    return f"\nSent with the request, these fields become claims too: {', '.join(code(n) for n in unsent)}.\n"


def claims_markdown() -> str:
    with client({}) as mock:
        link = mock.post(CREATE, headers=AUTH, json=LINK).json()
        token = mock.get(f"/api/v1/iframe/token/{link['cache_key']}").json()["token"]
        described = _request_fields(mock.get("/openapi.json").json(), CAMELAI.iframe_create)
    with client({"spec": str(SPEC_2025)}) as mock:
        answer = mock.post("/api/v1/token", headers=AUTH, json=STS).json()
        sts = answer[CAMELAI.token_answer.access_token]
        sts_described = _request_fields(mock.get("/openapi.json").json(), CAMELAI.sts_token)
    return (
        "### The iframe token\n\n"
        f"The token of `POST {CREATE}` with `{json.dumps(LINK)}`, signed with the default `--alg`.\n\n"
        f"Header: `{json.dumps(_segment(token, 0))}` (`kid` is the key's RFC 7638 thumbprint, as the JWKS lists it).\n\n"
        + _claims_table(_segment(token, 1), LINK, IFRAME, described)
        + _unsent(described, _segment(token, 1))
        + "\n### The STS token\n\n"
        f"With camelAI's 2025 document, `POST /api/v1/token` with `{json.dumps(STS)}` answers "
        f"`{json.dumps({k: v for k, v in answer.items() if k != CAMELAI.token_answer.access_token})}` and an access "
        f"token the mock then accepts as a bearer credential, until its `exp` on the mock's clock. Its `{CAMELAI.sts_scopes_claim}` "
        "claim tells it from an iframe token.\n\n"
        f"Header: `{json.dumps(_segment(sts, 0))}`.\n\n"
        + _claims_table(_segment(sts, 1), STS, STS_ADDED, sts_described)
    )
