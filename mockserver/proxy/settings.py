"""What `mockserver proxy` adds to the mock's settings, checked at start-up; light, so the command line reads it
without loading the server."""

from __future__ import annotations

import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import truststore

from mockserver.config import ConfigError

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ProxySettings:
    upstream: str  # scheme://host[:port] of the real API
    timeout: float = DEFAULT_TIMEOUT  # seconds for the whole exchange, connecting included
    refuse_invalid: bool = False  # answer a request that breaks the contract with the mock's own refusal
    record: str | None = None  # a HAR file to append every exchange to
    upstream_ca: str | None = None  # a PEM file of the CAs to trust instead of the system's store
    env_proxy: bool = True  # reach the upstream through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY names it

    def check(self) -> None:
        origin(self.upstream)
        if not 0 < self.timeout <= 3600:
            raise ConfigError(
                f"upstream_timeout (--upstream-timeout, MOCKSERVER_UPSTREAM_TIMEOUT): {self.timeout:g} is out of "
                "range; it must be more than 0 and at most 3600 seconds"
            )
        self.tls()
        proxy = self.proxy()
        if proxy is not None and urlsplit(proxy).scheme not in ("http", "https"):
            raise ConfigError(
                f"the environment's proxy {shown_proxy(proxy)} for {origin(self.upstream)}: only http:// and https:// "
                "proxies are supported (--no-env-proxy ignores it)"
            )

    def tls(self) -> ssl.SSLContext:
        """The system's trust store (which also reads SSL_CERT_FILE), or only the CAs in `--upstream-ca`."""
        if self.upstream_ca is None:
            return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            return ssl.create_default_context(cafile=self.upstream_ca)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ConfigError(
                f"--upstream-ca {self.upstream_ca}: not a readable file of PEM certificates ({reason})"
            ) from None

    def proxy(self) -> str | None:
        """The proxy the environment names for the upstream (HTTPS_PROXY for https, HTTP_PROXY for http, either
        in lower case too), unless NO_PROXY lists its host, or `env_proxy` is off; read as curl and urllib do."""
        if not self.env_proxy:
            return None
        parts = urlsplit(origin(self.upstream))
        proxy = urllib.request.getproxies_environment().get(parts.scheme)
        if not proxy or urllib.request.proxy_bypass(parts.netloc):  # with a proxy in the environment: NO_PROXY
            return None
        return proxy if "://" in proxy else f"http://{proxy}"  # `host:port` alone means an http:// proxy


def shown_proxy(url: str | None) -> str:
    """A proxy's URL as messages show it: scheme, host and port, never its credentials."""
    parts = urlsplit(url or "")
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}"


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
