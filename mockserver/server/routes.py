"""The contract's operations as one Starlette route, matched through the contract's route table (`spec/routes.py`).

Endpoints are found by operation id, so a path or method changed in the spec changes the mock, and an
operation without an endpoint (or an endpoint without an operation) stops start-up with its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.config import ConfigError
from mockserver.spec.contract import Contract, Operation
from mockserver.spec.routes import RouteTable

ADMIN_PREFIX = "/__mock"  # the mock's own API (admin.openapi.yaml); journal and faults leave it alone


@dataclass(frozen=True)
class Raw:
    """An endpoint that is itself an ASGI app: for the hot path, which builds no Request or Response objects."""

    app: ASGIApp


Endpoint = Callable[[Request], Awaitable[Response]] | Raw


def contract_routes(
    contract: Contract, endpoints: dict[str, Endpoint], generic: Callable[[Operation], Endpoint] | None = None
) -> list[BaseRoute]:
    """Every operation, routed: its endpoint by operation id, else `generic(operation)`; without `generic`, an
    operation with no endpoint stops start-up (the admin API, whose every operation has one)."""
    missing = sorted(set(contract.operations) - set(endpoints))
    if missing and generic is None:
        raise ConfigError(f"{contract.path}: the mock has no endpoint for {', '.join(missing)}")
    apps: dict[str, ASGIApp] = {}
    for op in contract.operations.values():
        endpoint = endpoints.get(op.operation_id)
        if endpoint is None:
            assert generic is not None
            endpoint = generic(op)
        app = endpoint.app if isinstance(endpoint, Raw) else request_response(endpoint)
        apps[op.operation_id] = _Named(op.operation_id, app)
    return [TableRoute(contract.routes, apps)]


class TableRoute(BaseRoute):
    """All of a contract's paths as one route: the route table finds the operation, a wrong method is a 405 whose
    `Allow` names every method the path takes."""

    def __init__(self, table: RouteTable, apps: dict[str, ASGIApp]) -> None:
        self.table = table
        self.apps = apps  # by operation id

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        query, headers = scope.get("query_string", b""), scope.get("headers", ())
        found = self.table.find(scope["method"], scope["path"], query, headers)
        raw = scope.get("raw_path") or b""
        if found.operation is None and b"%2f" in raw.lower():  # a parameter holding a slash: the path as sent
            found = self.table.find(scope["method"], raw.partition(b"?")[0].decode("latin-1"), query, headers)
            found = found._replace(path_params={k: unquote(v) for k, v in found.path_params.items()})
        if found.operation is not None:
            return Match.FULL, {"endpoint": self.apps[found.operation.operation_id], "path_params": found.path_params}
        if found.allowed:
            return Match.PARTIAL, {"endpoint": None, "allowed": found.allowed}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["endpoint"]
        if app is None:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(scope["allowed"])})
        await app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the mock builds no URLs from route names


class _Named:
    """An operation's endpoint, naming the operation for the journal whatever the endpoint answers."""

    __slots__ = ("app", "operation_id")

    def __init__(self, operation_id: str, app: ASGIApp) -> None:
        self.operation_id, self.app = operation_id, app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        scope.setdefault("state", {})["operation"] = self.operation_id
        return self.app(scope, receive, send)
