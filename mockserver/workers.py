"""`mockserver serve --workers N`: each worker process builds its own mock from the settings the parent resolved.

uvicorn starts workers by import string, so the parent hands its resolved settings (flags, environment and config
file already merged and checked) to them through one environment variable. Workers share all state, the signing
key and the clock through the store, which is why more than one worker needs `--store redis://...`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette

from mockserver.config import ConfigError, KeyPolicy, Settings

SETTINGS_ENV = "MOCKSERVER_RESOLVED_SETTINGS"


def settings_to_json(settings: Settings) -> str:
    return json.dumps(asdict(settings))


def settings_from_json(raw: str) -> Settings:
    data: dict[str, Any] = json.loads(raw)
    keys = {key: KeyPolicy(None if p["models"] is None else tuple(p["models"])) for key, p in data["api_keys"].items()}
    return Settings(
        **{**data, "api_keys": keys, "overlays": tuple(data["overlays"]), "allowed_hosts": tuple(data["allowed_hosts"])}
    )


def app_from_env() -> Starlette:
    """The uvicorn factory each worker calls (`mockserver.workers:app_from_env`)."""
    from mockserver.mock import build_mock
    from mockserver.proxy.replay import replay_layers
    from mockserver.server.app import create_app

    raw = os.environ.get(SETTINGS_ENV)
    if raw is None:
        raise ConfigError(f"{SETTINGS_ENV} is not set: start workers with `mockserver serve --workers N`")
    mock = build_mock(settings_from_json(raw))
    return create_app(mock, replay_layers(mock))
