"""The route table, read from the contract: each operation's path and method come from `openapi.yaml`.

Endpoints are found by operation id, so a path or method changed in the spec changes the mock, and an
operation without an endpoint (or an endpoint without an operation) stops start-up with its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .config import ConfigError
from .contract import Contract

Endpoint = Callable[[Request], Awaitable[Response]]


def contract_routes(contract: Contract, endpoints: dict[str, Endpoint]) -> list[Route]:
    missing = sorted(set(contract.operations) - set(endpoints))
    unknown = sorted(set(endpoints) - set(contract.operations))
    if missing or unknown:
        raise ConfigError(
            f"{contract.path}: the mock has no endpoint for {', '.join(missing) or 'nothing'} "
            f"and the spec has no operation for {', '.join(unknown) or 'nothing'}"
        )
    by_path: dict[str, dict[str, Endpoint]] = {}
    for op in contract.operations.values():
        by_path.setdefault(op.path, {})[op.method] = _named(op.operation_id, endpoints[op.operation_id])
    # One route per path, so a wrong method's 405 names every method the path accepts in `Allow`.
    return [Route(path, _by_method(methods), methods=list(methods)) for path, methods in by_path.items()]


def _named(operation_id: str, endpoint: Endpoint) -> Endpoint:
    async def named(request: Request) -> Response:
        request.state.operation = operation_id  # for the journal, whatever the endpoint answers
        return await endpoint(request)

    return named


def _by_method(endpoints: dict[str, Endpoint]) -> Endpoint:
    if len(endpoints) == 1:
        return next(iter(endpoints.values()))

    async def dispatch(request: Request) -> Response:
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return dispatch
