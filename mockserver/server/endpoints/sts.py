"""The STS token (`CAMELAI.sts_token`): a JWT for browser use, signed with the mock's key, answered in the document's
shape. Any operation whose security allows a bearer credential then accepts it until it expires (core/sts.py)."""

from __future__ import annotations

import os
from typing import Any

from mockserver.core.camelai import CAMELAI
from mockserver.core.sts import sts_claims
from mockserver.core.tokens import b64url
from mockserver.mock import Mock
from mockserver.server.endpoints.generic import Accepted
from mockserver.spec.contract import Operation

DEFAULT_TTL = 900  # seconds, where the document states no default


async def issue(mock: Mock, op: Operation, request: Accepted) -> tuple[int, Any]:
    fields = {**op.defaults, **(request.body or {})}
    fields.setdefault(CAMELAI.sts_scopes_claim, [])
    f, answer = CAMELAI.create, CAMELAI.token_answer
    fields.setdefault(f.ttl, DEFAULT_TTL)
    fields[f.uid] = str(fields.get(f.uid, ""))
    request.scope["state"]["uid"] = fields[f.uid]
    now = mock.clock.now()
    issuer = mock.public_base(request.scope, request.headers.get("host"))
    jti = b64url(os.urandom(16)).decode()
    claims = sts_claims(fields, scopes_claim=CAMELAI.sts_scopes_claim, issuer=issuer, now=now, jti=jti)
    return op.success, {
        answer.access_token: mock.signer.sign(claims),
        answer.token_type: answer.bearer,
        answer.expires_in: claims["exp"] - claims["iat"],
    }
