"""Which operation of the document a request is for, found from its method and path as the mock's routes find it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.routing import compile_path

from mockserver.server.routes import route_order
from mockserver.spec.contract import Contract, Operation


@dataclass(frozen=True)
class Found:
    operation: Operation | None
    path_params: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()  # the path's documented methods, when the path matched but the method did not


NOWHERE = Found(None)


class OperationFinder:
    """The document's paths compiled once, tried in the mock's own order (literal segments first)."""

    def __init__(self, contract: Contract) -> None:
        by_path: dict[str, dict[str, Operation]] = {}
        for operation in contract.operations.values():
            by_path.setdefault(operation.path, {})[operation.method] = operation
        self._paths: list[tuple[re.Pattern[str], dict[str, Operation]]] = []
        for path in sorted(by_path, key=route_order):
            methods = by_path[path]
            if "GET" in methods:
                methods.setdefault("HEAD", methods["GET"])
            self._paths.append((compile_path(path)[0], methods))

    def find(self, method: str, path: str) -> Found:
        allowed: tuple[str, ...] = ()
        for pattern, methods in self._paths:
            match = pattern.match(path)
            if match is None:
                continue
            operation = methods.get(method)
            if operation is not None:
                return Found(operation, match.groupdict())
            allowed = allowed or tuple(sorted(methods))
        return Found(None, allowed=allowed) if allowed else NOWHERE
