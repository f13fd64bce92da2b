"""What `mockserver proxy` adds to the mock's settings, checked at start-up; light, so the command line reads it
without loading the server."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mockserver.config import ConfigError

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ProxySettings:
    upstream: str  # scheme://host[:port] of the real API
    timeout: float = DEFAULT_TIMEOUT  # seconds for connecting, and then for the whole answer
    refuse_invalid: bool = False  # answer a request that breaks the contract with the mock's own refusal
    record: str | None = None  # a HAR file to append every exchange to

    def check(self) -> None:
        origin(self.upstream)
        if not 0 < self.timeout <= 3600:
            raise ConfigError(
                f"upstream_timeout (--upstream-timeout, MOCKSERVER_UPSTREAM_TIMEOUT): {self.timeout:g} is out of "
                "range; it must be more than 0 and at most 3600 seconds"
            )


def origin(url: str) -> str:
    """The `--upstream` URL as `scheme://host[:port]`; a base path would make the document's paths wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--upstream {url!r}: not an http(s) URL such as https://api.camelai.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"--upstream {url!r}: give only scheme, host and port (e.g. https://api.camelai.com); "
            "each request's own path and query are sent as they came"
        )
    return f"{parts.scheme}://{parts.netloc}"
