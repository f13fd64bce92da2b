"""A small client of camelAI's iframe API, as an application would write it: the example under test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class IframeLink:
    url: str
    cache_key: str
    expires_in: int


@dataclass(frozen=True)
class CamelError:
    status: int
    message: str


def create_iframe(client: httpx.Client, uid: str, srcs: list[str], ttl: int | None = None) -> IframeLink | CamelError:
    """Ask for an iframe link; any answer the API may give becomes a link or an error, never an exception."""
    body: dict[str, Any] = {"uid": uid, "srcs": srcs}
    if ttl is not None:
        body["ttl"] = ttl
    response = client.post("/api/v1/iframe/create", json=body)
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.is_success and isinstance(data, dict):
        return IframeLink(str(data["iframe_url"]), str(data["cache_key"]), int(data["expires_in"]))
    message = data.get("error") if isinstance(data, dict) else None
    return CamelError(response.status_code, str(message) if message else f"camelAI answered {response.status_code}")
