"""`mockserver.strategies`, the path the README documents: the strategies of `mockserver.testing.strategies`."""

from __future__ import annotations

from mockserver.testing.strategies import *  # noqa: F403
from mockserver.testing.strategies import __all__ as __all__
