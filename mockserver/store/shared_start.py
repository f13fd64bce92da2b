"""Start-up against a shared Redis store: reach it, and agree with every other replica on the signing key and clock.

Runs once per process before serving, with a plain synchronous client (start-up is not on the event loop).
Replicas must sign with one key, or a token created on one could not be verified with the JWKS of another: without
`--signing-key`, the first replica to start stores a new key under `<prefix>:g:signing-key:<alg>` (SET NX) and all
others load that one. Likewise the first replica's `--clock` becomes the shared clock; later ones adopt it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
import redis.exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from mockserver.config import ConfigError, display_url
from mockserver.core.clock import Clock
from mockserver.core.tokens import Signer, generate_signer, load_signer
from mockserver.store.redis import READ_TIMEOUT, RedisStore, clock_from_json, clock_to_json

SCHEMES = ("redis", "rediss", "unix")
STARTUP_TIMEOUT = 2.0


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or "://" not in url:
        raise ConfigError(
            f"--store {url!r}: not a store URL; use memory (the default) or redis://host:port/db "
            "(also rediss:// or unix://)"
        )
    if parts.scheme == "unix":
        return
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        raise ConfigError(f"--store {url!r}: the port is not a number from 1 to 65535") from None
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise ConfigError(f"--store {url!r}: the database {db!r} is not a number (redis://host:port/0)")


class SharedStart:
    """A short-lived synchronous connection used only while the mock starts."""

    def __init__(self, url: str, prefix: str):
        check_url(url)
        self.url, self.prefix, self.where = url, prefix, display_url(url)
        self.store = RedisStore(url, prefix)
        options: dict[str, Any] = {
            "socket_connect_timeout": STARTUP_TIMEOUT,
            "socket_timeout": max(READ_TIMEOUT, STARTUP_TIMEOUT),
            "retry": Retry(NoBackoff(), 0),
        }
        try:
            self.redis: redis.Redis = redis.Redis.from_url(url, **options)
        except ValueError as exc:
            raise ConfigError(f"--store {url!r}: {exc}") from None

    def __enter__(self) -> SharedStart:
        try:
            self.redis.ping()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
            self.close()
            raise ConfigError(f"--store {self.where}: cannot reach Redis there ({exc})") from None
        except redis.exceptions.RedisError as exc:
            self.close()
            raise ConfigError(f"--store {self.where}: Redis refused the connection ({exc})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.redis.close()

    def signer(self, alg: str) -> Signer:
        """The one signing key every replica with this prefix uses for `alg`."""
        key = f"{self.prefix}:g:signing-key:{alg}"
        pem = self.redis.get(key)
        if pem is None:
            self.redis.set(key, generate_signer(alg).private_pem(), nx=True)
            pem = self.redis.get(key)
        assert isinstance(pem, bytes)
        return load_signer(alg, pem, f"the shared signing key {key} in {self.where}")

    def load_scripts(self) -> None:
        """Every script the store runs, loaded now: a request never meets NOSCRIPT (unless Redis restarts)."""
        pipe = self.redis.pipeline(transaction=False)
        for text in self.store.scripts.values():
            pipe.script_load(text)
        pipe.execute()
        self.store.scripts_loaded = True

    def adopt_clock(self, clock: Clock) -> None:
        """Publish `clock` if no replica has yet; otherwise take the shared one."""
        key = self.store.clock_key()
        self.redis.set(key, clock_to_json(clock.state), nx=True)
        raw = self.redis.get(key)
        assert isinstance(raw, bytes)
        clock.state = clock_from_json(raw.decode())
