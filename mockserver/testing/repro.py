"""A failed contract property, reported so it can be reproduced: the request, the response, a curl line."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager

from mockserver.testing.extras import missing

try:
    import httpx
except ModuleNotFoundError:
    raise missing("httpx", "mockserver.testing.explain") from None

NOISE = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length"}
MAX_BODY = 2000
KEY_VARIABLE = "$CAMEL_API_KEY"


def _text(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= MAX_BODY else f"{text[:MAX_BODY]}… ({len(text)} characters)"


def _headers(headers: httpx.Headers, hide_key: bool) -> list[tuple[str, str]]:
    shown = []
    for name, value in headers.items():
        if name.lower() in NOISE:
            continue
        if hide_key and name.lower() == "authorization":
            value = f"Bearer {KEY_VARIABLE}"
        shown.append((name, value))
    return shown


def curl(request: httpx.Request) -> str:
    """The request as a curl command; the API key is left as $CAMEL_API_KEY, never printed."""
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(str(request.url))]
    for name, value in _headers(request.headers, hide_key=True):
        header = f"{name}: {value}"
        parts += ["-H", f'"{header}"' if KEY_VARIABLE in value else shlex.quote(header)]
    if request.content:
        parts += ["--data-binary", shlex.quote(request.content.decode("utf-8", errors="replace"))]
    return " ".join(parts)


def describe(response: httpx.Response) -> str:
    request = response.request
    lines = [f"request:  {request.method} {request.url}"]
    lines += [f"  {name}: {value}" for name, value in _headers(request.headers, hide_key=True)]
    if request.content:
        lines.append(f"  {_text(request.content)}")
    lines.append(f"response: {response.status_code} {response.reason_phrase}")
    lines += [f"  {name}: {value}" for name, value in response.headers.items() if name.lower() not in NOISE]
    lines.append(f"  {_text(response.content)}")
    lines.append(f"reproduce: {curl(request)}")
    return "\n".join(lines)


@contextmanager
def explain(*responses: httpx.Response) -> Iterator[None]:
    """Add the exchanges to any AssertionError raised inside, so a failing property can be replayed."""
    try:
        yield
    except AssertionError as exc:
        report = "\n\n".join(describe(r) for r in responses)
        exc.args = (f"{exc}\n\n{report}",)
        raise
