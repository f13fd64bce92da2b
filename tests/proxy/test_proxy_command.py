"""`mockserver proxy` and `serve --replay` on the command line: flags, environment, and start-up errors that name
the problem."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import trustme

from mockserver.cli import main, parser, proxy_banner, proxy_settings_from, settings_from
from mockserver.config import ConfigError, Settings
from mockserver.proxy.settings import ProxySettings


def test_every_proxy_flag_sets_a_setting_of_its_name() -> None:
    args = parser().parse_args(["proxy", "--upstream", "https://api.camelai.com"])
    flags = set(vars(args)) - {"command", "config", "upstream_timeout", "no_env_proxy"}
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


def test_the_tls_and_proxy_flags_and_their_variables_reach_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = str(tmp_path / "ca.pem")
    trustme.CA().cert_pem.write_to_path(ca)
    args = parser().parse_args(["proxy", "--upstream", "https://a.test", "--upstream-ca", ca, "--no-env-proxy"])
    chosen = proxy_settings_from(args)
    assert (chosen.upstream_ca, chosen.env_proxy) == (ca, False)
    monkeypatch.setenv("MOCKSERVER_NO_ENV_PROXY", "1")
    monkeypatch.setenv("MOCKSERVER_UPSTREAM_CA", ca)
    chosen = proxy_settings_from(parser().parse_args(["proxy", "--upstream", "https://a.test"]))
    assert (chosen.upstream_ca, chosen.env_proxy) == (ca, False)


def test_an_unreadable_ca_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    for path in (bad, tmp_path / "missing.pem"):
        with pytest.raises(ConfigError, match=f"--upstream-ca {path}: not a readable file of PEM certificates"):
            ProxySettings("https://api.camelai.com", upstream_ca=str(path)).check()


PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


@pytest.mark.parametrize(
    ("upstream", "environment", "env_proxy", "chosen"),
    [
        pytest.param("https://api.camelai.com", {"HTTPS_PROXY": "http://p:3128"}, True, "http://p:3128", id="https"),
        pytest.param("https://api.camelai.com", {"https_proxy": "p:3128"}, True, "http://p:3128", id="no-scheme"),
        pytest.param("http://api.camelai.com", {"HTTP_PROXY": "http://p:3128"}, True, "http://p:3128", id="http"),
        pytest.param("http://api.camelai.com", {"HTTPS_PROXY": "http://p:3128"}, True, None, id="https-only"),
        pytest.param(
            "https://api.camelai.com",
            {"HTTPS_PROXY": "http://p", "NO_PROXY": "x.org,.camelai.com"},
            True,
            None,
            id="no",
        ),
        pytest.param("https://api.camelai.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*"}, True, None, id="star"),
        pytest.param("https://api.camelai.com", {"HTTPS_PROXY": "http://p"}, False, None, id="no-env-proxy"),
        pytest.param("https://api.camelai.com", {}, True, None, id="none"),
    ],
)
def test_the_proxy_for_the_upstream_is_read_from_the_environment_as_curl_reads_it(
    monkeypatch: pytest.MonkeyPatch, upstream: str, environment: dict[str, str], env_proxy: bool, chosen: str | None
) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert ProxySettings(upstream, env_proxy=env_proxy).proxy() == chosen


def test_a_proxy_of_a_scheme_the_client_cannot_speak_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "socks5://me:secret@p:1080")
    with pytest.raises(ConfigError) as refused:
        ProxySettings("https://api.camelai.com").check()
    assert str(refused.value) == (
        "the environment's proxy socks5://p:1080 for https://api.camelai.com: only http:// and https:// proxies are "
        "supported (--no-env-proxy ignores it)"
    )


def test_the_banner_names_the_proxy_in_use_without_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://me:secret@proxy.corp:3128")
    text = proxy_banner(Settings(), ProxySettings("https://api.camelai.com"), "http://127.0.0.1:9")
    assert "(forwarding to https://api.camelai.com through proxy http://proxy.corp:3128;" in text
    assert "secret" not in text
