"""Host-side check of a running mock: create -> token -> page -> JWKS verification, over real HTTP.

    python docker/check.py URL [OTHER_URL]

With OTHER_URL, the link is created on URL and its token, page and JWKS are fetched from OTHER_URL (a replica).
Uses only the standard library and PyJWT; exits non-zero naming the step that failed.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

import jwt


def call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def check(create_on: str, read_on: str) -> None:
    status, raw = call("POST", f"{create_on}/api/v1/iframe/create", {"uid": "smoke-user", "srcs": ["1"], "ttl": 600})
    created = json.loads(raw)
    assert status == 200 and created["expires_in"] == 600, f"create: {status} {raw!r}"
    key = created["cache_key"]
    status, raw = call("GET", f"{read_on}/api/v1/iframe/token/{key}")
    token = json.loads(raw)["token"]
    status, page = call("GET", f"{read_on}/iframe/{key}/")
    assert status == 200 and b'id="uid">smoke-user<' in page, f"page: {status}"
    _, raw = call("GET", f"{read_on}/.well-known/jwks.json")
    keys = jwt.PyJWKSet.from_dict(json.loads(raw))
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, keys[header["kid"]], algorithms=[header["alg"]], audience="camelai-iframe")
    assert claims["sub"] == "smoke-user", f"claims: {claims}"
    print(f"ok: created on {create_on}, token/page/JWKS from {read_on}, kid {header['kid']}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    check(sys.argv[1], sys.argv[-1])
