"""Settings: command-line flags over the config file over defaults, checked at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints
from urllib.parse import urlsplit

import yaml

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_MAX_HEADER = 16 * 1024  # request line and headers together
DEFAULT_JOURNAL_SIZE = 1000


class ConfigError(ValueError):
    """A setting that cannot be used; the message names where it came from and the problem."""


@dataclass(frozen=True)
class KeyPolicy:
    """What one API key may do; `models` None means every model the contract allows."""

    models: tuple[str, ...] | None = None


# Each numeric setting's range, lowest and highest, and what the user should know about it; Settings.check() holds
# every value to it, however it was given (flag, MOCKSERVER_* variable, config file, pytest option, code).
RANGES: dict[str, tuple[int, int, str]] = {
    "port": (0, 65535, "0 picks a free port"),
    "max_body_bytes": (1, 2**30, "1 GiB at most: each body is held whole to check it"),
    "max_header_bytes": (1024, 2**20, "ordinary requests need 1024 bytes"),
    "journal_size": (1, 100_000, "requests kept per session"),
    "ip_rate_limit": (1, 999_999_999, "requests a minute"),
    "workers": (1, 1024, "worker processes"),
    "seed": (0, 2**64 - 1, "the fuzz draws' seed"),
}


def range_problem(name: str, value: object) -> str | None:
    """Why `value` is no value of the numeric setting `name`, naming the flag and variable that set it; None if
    it is one."""
    low, high, about = RANGES[name]
    flag = name.replace("_", "-")
    where = f"{name} (--{flag}, MOCKSERVER_{name.upper()})"
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{where}: {value!r} is not a whole number"
    if not low <= value <= high:
        return f"{where}: {value} is out of range; it must be from {low} to {high} ({about})"
    return None


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    spec: str | None = None  # the vendor's document (default: the bundled openapi.yaml)
    overlays: tuple[str, ...] = ()  # the user's Overlay 1.0 files, applied after the mock's own
    api_keys: dict[str, KeyPolicy] = field(default_factory=dict)  # empty: any non-empty key
    allow_anonymous: bool = False
    alg: str = "ES256"
    signing_key: str | None = None
    audience: str = "camelai-iframe"
    public_url: str | None = None
    clock: str = "real"
    frame_ancestors: str = "*"
    max_body_bytes: int = DEFAULT_MAX_BODY
    max_header_bytes: int = DEFAULT_MAX_HEADER  # larger heads get a 431 on the wire (server/wire.py)
    log_level: str = "info"
    access_log: bool = True
    admin: bool = True  # the /__mock/ admin API and page
    admin_key: str | None = None  # when set, the admin API wants `Authorization: Bearer <admin_key>`
    # Host names the admin API answers besides localhost, 127.0.0.1 and [::1]; when set, checked on every address
    allowed_hosts: tuple[str, ...] = ()
    ip_rate_limit: int | None = None  # requests per minute per client address on iframe endpoints; None: off
    journal_size: int = DEFAULT_JOURNAL_SIZE  # requests remembered per session
    responses: str = "realistic"  # or "fuzz": every accepted create answered from the response schemas
    seed: int | None = None  # the fuzz draws' seed (None: 0)
    store: str | None = None  # None or "memory": this process's memory; redis://host:port/db: shared
    store_prefix: str = "camelai-mock"
    workers: int = 1
    replay: str | None = None  # a HAR file whose recorded answers are given to the requests that match them
    replay_only: bool = False  # any other request is a 404 naming the closest recorded one
    seed_data: str | None = None  # YAML: collection name -> resources each session's collection starts with
    diff_from: str | None = None  # an older document: its changes to `spec` printed at start-up, at /__mock/diff

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def check(self) -> None:
        """The one place each setting's range is checked, however it was given (flag, environment, file, code)."""
        for name in RANGES:
            value = getattr(self, name)
            problem = None if value is None and name in ("ip_rate_limit", "seed") else range_problem(name, value)
            if problem:
                raise ConfigError(problem)
        check_host_names(self.allowed_hosts)
        if self.workers > 1 and is_memory(self.store):
            raise ConfigError(
                f"--workers {self.workers} needs a shared store: pass --store redis://host:port/db "
                "(with the in-memory store each worker would keep its own tokens, limits and clock)"
            )
        if self.replay_only and not self.replay:
            raise ConfigError("--replay-only needs --replay FILE.har: the recording to answer from")
        if not self.store_prefix or any(c in self.store_prefix for c in " \t\r\n"):
            raise ConfigError(f"--store-prefix {self.store_prefix!r}: must be non-empty and hold no whitespace")


FILE_KEYS = {  # what a config file may set (`mockserver serve --config`, the pytest option camel_mock_config)
    "spec",
    "api_keys",
    "allow_anonymous",
    "alg",
    "signing_key",
    "audience",
    "public_url",
    "clock",
    "frame_ancestors",
    "max_body_bytes",
    "max_header_bytes",
    "admin",
    "admin_key",
    "allowed_hosts",
    "ip_rate_limit",
    "journal_size",
    "responses",
    "seed",
    "store",
    "store_prefix",
    "seed_data",
    "diff_from",
}


_KIND_NAMES = {str: "string"}


def load_config_file(path: str | Path) -> Settings:
    """Read a YAML config file, for example:

    api_keys:
      sk-free: {models: [gpt-5]}   # this key may only ask for gpt-5
      sk-pro: {}                   # any model
    audience: camelai-iframe
    frame_ancestors: "'self' http://localhost:*"
    """
    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the config file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the config must be a mapping of settings, not {type(data).__name__}")
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(FILE_KEYS))}")
    values = dict(data)
    if "api_keys" in values:
        values["api_keys"] = _parse_keys(values["api_keys"], where)
    if "allowed_hosts" in values:
        values["allowed_hosts"] = split_hosts(values["allowed_hosts"], f"{where}: allowed_hosts")
    if isinstance(values.get("ip_rate_limit"), str):
        values["ip_rate_limit"] = parse_ip_rate_limit(values["ip_rate_limit"], f"{where}: ip_rate_limit")
    if "ip_rate_limit" in values and not isinstance(values["ip_rate_limit"], int):
        raise ConfigError(f"{where}: ip_rate_limit: {values['ip_rate_limit']!r} is not N/minute")
    hints = get_type_hints(Settings)  # each value's type, as Settings declares it
    for name, value in values.items():
        kinds = tuple(k for k in get_args(hints[name]) or (hints[name],) if k is not type(None))
        if name not in ("api_keys", "allowed_hosts") and not isinstance(value, kinds):
            raise ConfigError(f"{where}: {name}: {value!r} is not a {_KIND_NAMES.get(kinds[0], kinds[0].__name__)}")
    return Settings(**values)


def _parse_keys(raw: Any, where: str) -> dict[str, KeyPolicy]:
    if isinstance(raw, list):
        raw = {key: {} for key in raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: api_keys must map each key to its policy, e.g. 'sk-1: {{models: [gpt-5]}}'")
    keys: dict[str, KeyPolicy] = {}
    for key, policy in raw.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"{where}: api_keys: {key!r} is not a non-empty string")
        policy = policy or {}
        if not isinstance(policy, dict) or set(policy) - {"models"}:
            raise ConfigError(f"{where}: api_keys.{key}: a policy holds only 'models', got {policy!r}")
        models = policy.get("models")
        if models is not None and not (isinstance(models, list) and all(isinstance(m, str) for m in models)):
            raise ConfigError(f"{where}: api_keys.{key}.models: {models!r} is not a list of model names")
        keys[key] = KeyPolicy(tuple(models) if models is not None else None)
    return keys


def keys_from_env() -> dict[str, KeyPolicy]:
    """`MOCKSERVER_API_KEYS`: comma-separated keys, each allowed every model."""
    raw = os.environ.get("MOCKSERVER_API_KEYS", "")
    return {key.strip(): KeyPolicy() for key in raw.split(",") if key.strip()}


def parse_ip_rate_limit(text: str, where: str = "--ip-rate-limit") -> int:
    """`30/minute` (or `30/min`, `30/m`) → 30."""
    match = re.fullmatch(r"\s*(\d{1,9})\s*/\s*(minute|min|m)\s*", text)
    if not match or int(match.group(1)) < 1:
        raise ConfigError(f"{where} {text!r} is not N/minute with N at least 1 (e.g. 30/minute)")
    return int(match.group(1))


def split_hosts(raw: object, where: str = "--allowed-hosts") -> tuple[str, ...]:
    """`a.example,b.example` (or a list of names) → the names; each is checked by `check_host_names`."""
    names = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: {raw!r} is not a list of host names (e.g. mock.internal,localhost)")
    return tuple(n.strip() for n in names if n.strip())


def check_host_names(names: tuple[str, ...]) -> None:
    """Each `--allowed-hosts` entry is a host name or address as a Host header carries it, without a port."""
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]", name):
            raise ConfigError(
                f"allowed_hosts: {name!r} is not a host name (letters, digits, '.', '-', '_', or an [IPv6] address; "
                "no scheme, port or path)"
            )


def is_memory(url: str | None) -> bool:
    return url is None or url == "" or url == "memory"


def display_url(url: str) -> str:
    """The store URL without credentials, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    where = f"{host}:{parts.port or 6379}" if parts.scheme != "unix" else parts.path
    db = parts.path.strip("/") or "0" if parts.scheme != "unix" else ""
    return f"{parts.scheme}://{where}/{db}" if db else f"{parts.scheme}://{where}"
