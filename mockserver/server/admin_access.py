"""Who may use the admin API: the Host a request names, its Origin, JSON-only writes, and the admin key.

The admin API can empty a session and move the clock, so a web page that a developer happens to
open must not be able to drive it. A page on another site can post a form (no preflight), so every
admin write takes `application/json` only, which a browser sends across sites only after a CORS
preflight the mock never grants, and a request whose `Origin` is not the mock's own is refused. A
page can also point its own name at 127.0.0.1 (DNS rebinding) and then read the answers as its
own: on a connection to a loopback address the admin API therefore answers only the loopback names
(`localhost`, `127.0.0.1`, `[::1]`, any port), and `--allowed-hosts` adds names and applies the
check on every address (in a container the mock listens on 0.0.0.0 and connections arrive on the
container's own address, where there is no loopback name to expect).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

from mockserver.config import KeyPolicy, Settings
from mockserver.core import rules
from mockserver.core.errors import ApiError
from mockserver.server.body import is_json, media_kind

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
SHOWN = 80  # characters of a client's header quoted back in an error


def host_name(host: str) -> str:
    """The name a Host header (or an `--allowed-hosts` entry) gives: lower case, without port or final dot."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    name, colon, port = host.rpartition(":")
    if colon and (port.isdigit() or not port):
        host = name
    return host.rstrip(".")


@lru_cache(maxsize=64)  # the addresses this process listens on: a handful
def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:  # not an address: the in-process transport's made-up host, or a Unix socket
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


class AdminAccess:
    def __init__(self, settings: Settings) -> None:
        self.key = settings.admin_key
        self.hosts = LOOPBACK_NAMES | {host_name(h) for h in settings.allowed_hosts}
        self.everywhere = bool(settings.allowed_hosts)
        self.names = ", ".join(sorted(self.hosts))

    def check(self, request: Request) -> None:
        """Raise the ApiError (403, 401 or 415) that refuses `request`, if any."""
        headers = request.headers
        server = request.scope.get("server")
        if self.everywhere or (server and is_loopback(str(server[0]))):
            host = headers.get("host") or ""
            if host_name(host) not in self.hosts:
                raise ApiError(
                    403,
                    f"Host {host[:SHOWN]!r} is not a name the admin API answers ({self.names}): a web page must not "
                    "reach it by pointing its own name at this address; add the name with --allowed-hosts",
                )
        origin = headers.get("origin")
        if origin is not None and origin.partition("://")[2].lower() != (headers.get("host") or "").lower():
            raise ApiError(
                403,
                f"Origin {origin[:SHOWN]!r} is not this mock's own: the admin API answers no web page of another "
                "origin (clients that send no Origin, such as curl, httpx or the mock's own pages, are answered)",
            )
        if (
            self.key is not None
            and rules.authenticate(headers.get("authorization"), {self.key: KeyPolicy()}, allow_anonymous=False).error
        ):  # the same Bearer parsing and constant-time comparison as the API's own keys
            raise ApiError(
                401,
                "Authorization: the admin API wants 'Bearer <admin key>' (the mock runs with --admin-key)",
                {"WWW-Authenticate": 'Bearer realm="camelai-mock-admin"'},
            )
        if request.method in ("POST", "PUT"):  # the writes that take a body
            content_type = headers.get("content-type")
            if not is_json(media_kind(content_type)):
                sent = (
                    f"Content-Type {content_type[:SHOWN]!r} is not accepted"
                    if content_type
                    else "Content-Type is missing"
                )
                raise ApiError(
                    415,
                    f"{sent}: admin writes take application/json only (which a web page on another site "
                    "cannot send without a CORS preflight, and the mock grants none)",
                )
