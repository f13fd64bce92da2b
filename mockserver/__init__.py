"""A contract-true mock of camelAI's API, for testing the code that calls it.

Everything a user imports is named here. Names are imported on first use, so that `import mockserver.strategies`
(hypothesis strategies) does not pull in the server, and `mockserver serve` does not pull in the test tools.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from mockserver.config import ConfigError, KeyPolicy, Settings
    from mockserver.core.clock import Clock
    from mockserver.mock import Mock, build_mock
    from mockserver.server.app import create_app
    from mockserver.spec.contract import Contract, ContractError, load_contract
    from mockserver.testing import strategies
    from mockserver.testing.handle import MockHandle
    from mockserver.testing.in_process import InProcessTransport, default_settings, transport
    from mockserver.testing.live_server import ThreadedServer, serve_in_thread

_HOMES = {
    "Clock": "mockserver.core.clock",
    "ConfigError": "mockserver.config",
    "Contract": "mockserver.spec.contract",
    "ContractError": "mockserver.spec.contract",
    "InProcessTransport": "mockserver.testing.in_process",
    "KeyPolicy": "mockserver.config",
    "Mock": "mockserver.mock",
    "MockHandle": "mockserver.testing.handle",
    "Settings": "mockserver.config",
    "ThreadedServer": "mockserver.testing.live_server",
    "build_mock": "mockserver.mock",
    "create_app": "mockserver.server.app",
    "default_settings": "mockserver.testing.in_process",
    "load_contract": "mockserver.spec.contract",
    "serve_in_thread": "mockserver.testing.live_server",
    "strategies": "mockserver.testing.strategies",
    "transport": "mockserver.testing.in_process",
}

__all__ = [
    "Clock",
    "ConfigError",
    "Contract",
    "ContractError",
    "InProcessTransport",
    "KeyPolicy",
    "Mock",
    "MockHandle",
    "Settings",
    "ThreadedServer",
    "__version__",
    "build_mock",
    "create_app",
    "default_settings",
    "load_contract",
    "serve_in_thread",
    "strategies",
    "transport",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata costs ~25 ms of every start: only the proxy's HAR files ask
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("camelai-iframe-mock")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home.endswith(f".{name}") else getattr(module, name)
    return value  # not cached here: sys.modules is the one cache, so a reloaded module is never shadowed
