"""Error formats, as the mock produces them: each example is sent at build time to an in-process mock (a frozen
clock, the key `sk-test`) and its answer shown as it came."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

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


def client(changes: dict[str, Any]) -> httpx.Client:
    """An in-process mock with the test helpers' settings (the key `sk-test`), on a clock stopped at a fixed time."""
    t = transport(settings=default_settings(clock="frozen:2026-01-01T00:00:00Z", **changes))
    return httpx.Client(transport=t, base_url=t.url)


def errors_markdown() -> str:
    parts = []
    for title, changes, send in ERRORS:
        with client(changes) as mock:
            answer = send(mock)
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
