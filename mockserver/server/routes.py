"""The route table, read from the contract: each operation's path and method come from `openapi.yaml`.

Endpoints are found by operation id, so a path or method changed in the spec changes the mock, and an
operation without an endpoint (or an endpoint without an operation) stops start-up with its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.config import ConfigError
from mockserver.spec.contract import Contract, Operation

ADMIN_PREFIX = "/__mock"  # the mock's own API (admin.openapi.yaml); journal and faults leave it alone


@dataclass(frozen=True)
class Raw:
    """An endpoint that is itself an ASGI app: for the hot path, which builds no Request or Response objects."""

    app: ASGIApp


Endpoint = Callable[[Request], Awaitable[Response]] | Raw


def contract_routes(
    contract: Contract, endpoints: dict[str, Endpoint], generic: Callable[[Operation], Endpoint] | None = None
) -> list[Route]:
    """A route for every operation: its endpoint by operation id, else `generic(operation)`; without `generic`, an
    operation with no endpoint stops start-up (the admin API, whose every operation has one)."""
    missing = sorted(set(contract.operations) - set(endpoints))
    if missing and generic is None:
        raise ConfigError(f"{contract.path}: the mock has no endpoint for {', '.join(missing)}")
    by_path: dict[str, dict[str, tuple[str, ASGIApp]]] = {}
    for op in contract.operations.values():
        endpoint = endpoints.get(op.operation_id)
        if endpoint is None:
            assert generic is not None
            endpoint = generic(op)
        app = endpoint.app if isinstance(endpoint, Raw) else request_response(endpoint)
        by_path.setdefault(op.path, {})[op.method] = (op.operation_id, app)
    # One route per path, so a wrong method's 405 names every method the path accepts in `Allow`.
    return [
        Route(path, _Operations(by_path[path]), methods=list(by_path[path]))
        for path in sorted(by_path, key=route_order)
    ]


def route_order(path: str) -> list[tuple[bool, str]]:
    """The order paths are tried in: literal segments before templated ones, so /sources/add/ is not taken for
    /sources/{id}/."""
    return [(part.startswith("{"), part) for part in path.split("/")]


class _Operations:
    """A path's operations by method, as one ASGI app; it names the operation for the journal."""

    def __init__(self, by_method: dict[str, tuple[str, ASGIApp]]) -> None:
        self.by_method = {**by_method, **({"HEAD": by_method["GET"]} if "GET" in by_method else {})}

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        operation_id, app = self.by_method[scope["method"]]
        scope.setdefault("state", {})["operation"] = operation_id  # whatever the endpoint answers
        return app(scope, receive, send)  # awaited by the router: no coroutine of its own on every request
