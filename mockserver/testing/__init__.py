"""What users import in their tests: the in-process transport, the handle, a live server, strategies, the
contract suite's helpers and the pytest plugin.

Rule: may import any layer; nothing outside `testing/` imports it. Names are imported on first use, so that
`mockserver.testing.strategies` does not pull in the server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.testing.handle import MockHandle
    from mockserver.testing.in_process import BASE_URL, InProcessTransport, default_settings, transport
    from mockserver.testing.repro import explain
    from mockserver.testing.verify import Target, target

_HOMES = {
    "BASE_URL": "mockserver.testing.in_process",
    "InProcessTransport": "mockserver.testing.in_process",
    "MockHandle": "mockserver.testing.handle",
    "default_settings": "mockserver.testing.in_process",
    "Target": "mockserver.testing.verify",
    "explain": "mockserver.testing.repro",
    "target": "mockserver.testing.verify",
    "transport": "mockserver.testing.in_process",
}

__all__ = [
    "BASE_URL",
    "InProcessTransport",
    "MockHandle",
    "Target",
    "default_settings",
    "explain",
    "target",
    "transport",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockserver.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    return value  # not cached here: sys.modules is the one cache, so a reloaded module is never shadowed
