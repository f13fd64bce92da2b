"""`mockserver proxy` and `serve --replay` on the command line: flags, environment, and start-up errors that name
the problem."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from mockserver.cli import main, parser, proxy_banner, proxy_settings_from, settings_from
from mockserver.config import Settings
from mockserver.proxy.settings import ProxySettings


def test_every_proxy_flag_sets_a_setting_of_its_name() -> None:
    args = parser().parse_args(["proxy", "--upstream", "https://api.camelai.com"])
    flags = set(vars(args)) - {"command", "config", "upstream_timeout"}
    known = {f.name for f in fields(Settings)} | {f.name for f in fields(ProxySettings)}
    assert flags <= known


def test_flags_and_environment_reach_both_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_UPSTREAM", "https://api.camelai.com/")
    monkeypatch.setenv("MOCKSERVER_UPSTREAM_TIMEOUT", "2.5")
    args = parser().parse_args(["proxy", "--port", "9001", "--journal-size", "5", "--refuse-invalid"])
    settings, proxy = settings_from(args), proxy_settings_from(args)
    assert (settings.port, settings.journal_size) == (9001, 5)
    assert proxy == ProxySettings("https://api.camelai.com/", 2.5, True, None)


def test_the_banner_names_the_upstream_and_where_violations_are() -> None:
    text = proxy_banner(Settings(), ProxySettings("https://api.camelai.com/", record="run.har"), "http://127.0.0.1:9")
    assert text.startswith("camelAI mock proxy listening on http://127.0.0.1:9 (forwarding to https://api.camelai.com;")
    assert "recording to run.har" in text and "violations at http://127.0.0.1:9/__mock/violations" in text
    off = proxy_banner(Settings(admin=False), ProxySettings("http://u"), "http://h")
    assert "admin API off: violations only in each answer's X-Mock-Violations" in off


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        pytest.param(["proxy"], "--upstream URL is required", id="no-upstream"),
        pytest.param(["proxy", "--upstream", "api.camelai.com"], "not an http(s) URL", id="no-scheme"),
        pytest.param(
            ["proxy", "--upstream", "https://api.camelai.com/v1"], "give only scheme, host and port", id="base-path"
        ),
        pytest.param(
            ["proxy", "--upstream", "http://u", "--upstream-timeout", "0"],
            "upstream_timeout (--upstream-timeout, MOCKSERVER_UPSTREAM_TIMEOUT): 0 is out of range",
            id="timeout",
        ),
        pytest.param(
            ["proxy", "--upstream", "http://u", "--record", "{not_har}"],
            "not a HAR file this proxy can append to",
            id="record-not-har",
        ),
        pytest.param(["serve", "--replay-only"], "--replay-only needs --replay FILE.har", id="replay-only-alone"),
        pytest.param(
            ["serve", "--replay", "/nonexistent/run.har"],
            "--replay /nonexistent/run.har: cannot read",
            id="replay-missing",
        ),
    ],
)
def test_start_up_errors_name_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], problem: str
) -> None:
    not_har = tmp_path / "notes.txt"
    not_har.write_text("just notes\n")
    assert main([*(arg.format(not_har=not_har) for arg in argv), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: error: ") and problem in err and "Traceback" not in err
    assert not_har.read_text() == "just notes\n"  # a file the proxy cannot append to is left as it was


def test_the_readme_commands_for_the_proxy_and_replay_parse() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Checking the real API", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("#")[0].split() for line in section.splitlines() if line.startswith("mockserver ")]
    assert {line[1] for line in lines} == {"proxy", "serve"}
    for argv in lines:
        parser().parse_args(argv[1:])
