"""The pytest plugin (entry point `pytest11`): a running mock for a test suite, as fixtures.

- `camel_mock` (session): the mock behind a real uvicorn socket on a free port, as a `MockHandle`:
  `.url`, `.api_key`, `.headers`, `.clock.advance(s)`, `.requests.assert_called(op, times=N)`,
  `.faults.add(...)`, `.reset()`.
- `camel_mock_fresh` (function): the same mock, reset before the test.
- In a Hypothesis `@given` test, which refuses function-scoped fixtures: `camel_mock` with
  `with camel_mock.fresh():` in the test body, a reset for each example.

Options, flag over ini over the config file over defaults: `--camel-mock-alg` / `camel_mock_alg`,
`--camel-mock-api-key` / `camel_mock_api_keys`, `--camel-mock-config` / `camel_mock_config`,
`--camel-mock-clock` / `camel_mock_clock`, `--camel-mock-responses` / `camel_mock_responses`,
`--camel-mock-seed` / `camel_mock_seed`, `--camel-mock-spec` / `camel_mock_spec`.

Only pytest is imported here: the mock, uvicorn and the rest load when a fixture is first used, so
merely installing the package does not slow down pytest's start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.config import Settings
    from mockserver.testing.handle import MockHandle

OPTIONS = {  # name: help
    "alg": "JWT signing algorithm of the mock (ES256, RS256, EdDSA, HS256; default ES256)",
    "config": "the mock's YAML config file; its keys: {keys}",
    "clock": "the mock's clock: frozen (default), frozen:<ISO time>, offset:<seconds> or real",
    "responses": "realistic (default) or fuzz",
    "seed": "seed of the fuzz draws (default 0)",
    "spec": "the OpenAPI document the mock serves (default: the bundled openapi.yaml), with the mock's overlay",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    from mockserver.config import FILE_KEYS  # light: no server, no test tools

    group = parser.getgroup("camel_mock", "camelAI iframe mock")
    for name, template in OPTIONS.items():
        text = template.format(keys=", ".join(sorted(FILE_KEYS)))
        group.addoption(f"--camel-mock-{name}", dest=f"camel_mock_{name}", help=text)
        parser.addini(f"camel_mock_{name}", text)
    group.addoption(
        "--camel-mock-api-key", dest="camel_mock_api_keys", action="append", help="an API key the mock accepts"
    )
    parser.addini("camel_mock_api_keys", "API keys the mock accepts (default sk-test)", type="args")


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"camel_mock_{name}")
    return value if value else config.getini(f"camel_mock_{name}") or None


def settings_from_config(config: pytest.Config) -> Settings:
    """The mock's settings from the flags, the ini and the config file it names.

    Unlike `mockserver serve`, the clock defaults to frozen (tests move it) and, with no key
    configured anywhere, the one accepted key is `sk-test`.
    """
    from dataclasses import replace

    from mockserver.config import ConfigError, KeyPolicy, load_config_file
    from mockserver.testing.in_process import default_settings

    settings = default_settings()
    path = _path(config, "config")
    if path:
        loaded = load_config_file(path)
        defaults: dict[str, Any] = {"access_log": False, "log_level": "warning"}
        if not loaded.api_keys:
            defaults["api_keys"] = settings.api_keys
        if loaded.clock == "real":
            defaults["clock"] = settings.clock
        settings = replace(loaded, **defaults)
    keys = _option(config, "api_keys")
    seed = _option(config, "seed")
    if seed is not None and not str(seed).lstrip("-").isdigit():
        raise ConfigError(f"--camel-mock-seed / camel_mock_seed: {seed!r} is not an integer")
    return settings.with_overrides(
        api_keys={k: KeyPolicy() for k in keys} if keys else None,
        alg=_option(config, "alg"),
        clock=_option(config, "clock"),
        responses=_option(config, "responses"),
        seed=int(seed) if seed is not None else None,
        spec=_path(config, "spec"),
    )


def _path(config: pytest.Config, name: str) -> str | None:
    """A file option: a flag is relative to where pytest was started, an ini value to the ini file's folder."""
    value = _option(config, name)
    if not value:
        return None
    base = config.invocation_params.dir if config.getoption(f"camel_mock_{name}") else config.rootpath
    return str(base / value)


@pytest.fixture(scope="session")
def camel_mock(pytestconfig: pytest.Config) -> Iterator[MockHandle]:
    """The mock on a free port in a background thread, for the whole session."""
    from mockserver.mock import build_mock
    from mockserver.testing.handle import MockHandle
    from mockserver.testing.live_server import serve_in_thread

    mock = build_mock(settings_from_config(pytestconfig))
    with serve_in_thread(mock) as server:
        keys = list(mock.settings.api_keys)
        yield MockHandle(mock, server.url, keys[0], server.call)


@pytest.fixture
def camel_mock_fresh(request: pytest.FixtureRequest, camel_mock: MockHandle) -> MockHandle:
    """`camel_mock`, reset: no links, journal or faults, the clock back where it started."""
    if getattr(request.function, "is_hypothesis_test", False):
        # Hypothesis would refuse it with a health check that does not say what to do instead.
        pytest.fail(
            "camel_mock_fresh resets once per test, not once per example: in a @given test use camel_mock, with "
            "`with camel_mock.fresh():` in the test body (a reset for each example)",
            pytrace=False,
        )
    camel_mock.reset()
    return camel_mock
