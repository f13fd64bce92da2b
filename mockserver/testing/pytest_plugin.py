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

Contract coverage (issue 20), as pytest-cov reports line coverage: at the end of the session, a summary of which
documented answers the suite's clients received (`--camel-mock-cov-report=term|html:DIR|json:FILE|markdown:FILE`, any
number of them; `camel_mock_cov_report` in the ini), limited to `--camel-mock-cov-operations GLOB`; the session fails
under `--camel-mock-cov-fail-under=PCT` (`camel_mock_cov_fail_under`). `--camel-mock-strict` (`camel_mock_strict`)
fails a test during which a client sent a request the document refuses, naming the field and rule, unless the test
sent it inside `with camel_mock.expect_invalid():`.

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

HANDLE = pytest.StashKey["MockHandle"]()
REPORT = pytest.StashKey[dict[str, Any]]()

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
    report = "contract coverage report: term, html:DIR, json:FILE or markdown:FILE (may be given more than once)"
    group.addoption("--camel-mock-cov-report", dest="camel_mock_cov_report", action="append", help=report)
    parser.addini("camel_mock_cov_report", report, type="args")
    under = "fail the session when contract coverage (documented answers received) is below PCT percent"
    group.addoption("--camel-mock-cov-fail-under", dest="camel_mock_cov_fail_under", metavar="PCT", help=under)
    parser.addini("camel_mock_cov_fail_under", under)
    glob = "limit the contract coverage report to operation ids matching GLOB"
    group.addoption("--camel-mock-cov-operations", dest="camel_mock_cov_operations", metavar="GLOB", help=glob)
    parser.addini("camel_mock_cov_operations", glob)
    strict = "fail a test whose client sent a request the document refuses (unless inside expect_invalid())"
    group.addoption("--camel-mock-strict", dest="camel_mock_strict", action="store_true", default=None, help=strict)
    parser.addini("camel_mock_strict", strict, type="bool", default=False)


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
        handle = MockHandle(mock, server.url, keys[0], server.call)
        pytestconfig.stash[HANDLE] = handle
        try:
            yield handle
        finally:  # read while the mock still runs; reported at the end of the session
            pytestconfig.stash[REPORT] = handle.coverage(_option(pytestconfig, "cov_operations"))
            del pytestconfig.stash[HANDLE]


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


def _strict(config: pytest.Config) -> bool:
    flag = config.getoption("camel_mock_strict")
    return bool(flag if flag is not None else config.getini("camel_mock_strict"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """With --camel-mock-strict: a test whose client broke the contract fails, naming each field and rule."""
    handle = item.config.stash.get(HANDLE, None)
    if (
        handle is None
        or not _strict(item.config)
        or not {"camel_mock", "camel_mock_fresh"} & set(getattr(item, "fixturenames", ()))
    ):
        return (yield)
    before = handle.breaches()
    handle.excused.clear()
    result = yield
    broken = [
        f"{op} {field}: {rule} (×{extra})"
        for (_, op, field, rule), n in sorted(handle.breaches().items())
        if (extra := n - before.get(("b", op, field, rule), 0) - handle.excused.get(("b", op, field, rule), 0)) > 0
    ]
    if broken:
        pytest.fail(
            "--camel-mock-strict: the client sent requests the document refuses: "
            + "; ".join(broken)
            + " (wrap requests sent on purpose in `with camel_mock.expect_invalid():`)",
            pytrace=False,
        )
    return result


def _fail_under(config: pytest.Config) -> float | None:
    value = config.getoption("camel_mock_cov_fail_under") or config.getini("camel_mock_cov_fail_under")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        message = f"--camel-mock-cov-fail-under / camel_mock_cov_fail_under: {value!r} is not a number"
        raise pytest.UsageError(message) from None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = session.config.stash.get(REPORT, None)
    under = _fail_under(session.config)
    if report is not None and under is not None and report["coverage"] * 100 < under and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The coverage summary (and files), as pytest-cov prints its table at the end."""
    report = config.stash.get(REPORT, None)
    if report is None:
        return
    from pathlib import Path

    from mockserver.spec.coverage_report import percent, render

    wanted = config.getoption("camel_mock_cov_report") or config.getini("camel_mock_cov_report") or ["term"]
    for choice in wanted:
        form, _, target = choice.partition(":")
        if form == "term":
            terminalreporter.write_sep("-", "camelAI mock: contract coverage")
            terminalreporter.write(render(report, "text"))
            continue
        if form not in ("html", "json", "markdown") or not target:
            raise pytest.UsageError(f"--camel-mock-cov-report {choice!r}: use term, html:DIR, json:FILE, markdown:FILE")
        path = Path(target) / "index.html" if form == "html" else Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(report, form), encoding="utf-8")
        terminalreporter.write_line(f"contract coverage {form} written to {path}")
    under = _fail_under(config)
    if under is not None:
        got = percent(report["coverage"])
        if report["coverage"] * 100 < under:
            terminalreporter.write_line(f"FAIL Required contract coverage of {under}% not reached. Total: {got}")
        else:
            terminalreporter.write_line(f"Required contract coverage of {under}% reached. Total: {got}")
