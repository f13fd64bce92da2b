from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import httpx
import pytest

from mockserver.cli import banner, main, parser, settings_from
from mockserver.config import ConfigError, KeyPolicy, Settings, load_config_file
from tests.conftest import AUTH, SPEC_2025, VALID
from tests.processes import MockProcess
from tests.redis_server import free_port


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def serving() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--api-key", "sk-test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        yield proc, line
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_prints_one_line_with_its_url_and_logs_each_request(serving: tuple[subprocess.Popen[str], str]) -> None:
    proc, line = serving
    assert line.startswith("camelAI mock listening on http://127.0.0.1:")
    url = line.split(" on ", 1)[1].split(" ", 1)[0]
    answer = httpx.post(f"{url}/api/v1/iframe/create", json=VALID, headers=AUTH)
    assert answer.status_code == 200
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    assert '"POST /api/v1/iframe/create HTTP/1.1" 200' in out


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(["--spec", "/nonexistent/openapi.yaml"], "/nonexistent/openapi.yaml: no such file", id="spec"),
        pytest.param(["--config", "/nonexistent/mock.yaml"], "/nonexistent/mock.yaml: cannot read", id="config"),
        pytest.param(["--signing-key", __file__], f"{__file__}: not a PEM private key", id="key"),
        pytest.param(["--clock", "yesterday"], "--clock 'yesterday' is not one of", id="clock"),
    ],
)
def test_start_up_errors_name_the_file_and_problem(args: list[str], problem: str) -> None:
    result = run("serve", "--port", "0", *args)
    assert result.returncode == 2
    assert problem in result.stderr and "Traceback" not in result.stderr


def test_seed_data_errors_stop_start_up_naming_the_file(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.yaml"
    seeds.write_text("knowledge-base:\n  - {content: 5, connection_id: 1}\n")
    result = run("serve", "--port", "0", "--spec", SPEC_2025, "--seed-data", str(seeds))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f'{seeds}: knowledge-base[0].content: 5 is not of type "string"' in result.stderr


def test_config_file_errors_are_specific(tmp_path: Path) -> None:
    config = tmp_path / "mock.yaml"
    config.write_text("api_keys:\n  sk-1: {models: [gpt-6]}\n")
    result = run("serve", "--port", "0", "--config", str(config))
    assert result.returncode == 2 and "api_keys.sk-1.models: gpt-6 not in the contract's models" in result.stderr
    config.write_text("colour: blue\n")
    result = run("serve", "--port", "0", "--config", str(config))
    assert f"{config}: unknown setting(s) colour" in result.stderr


def test_help_documents_every_flag() -> None:
    text = run("serve", "--help").stdout
    for flag in (
        "--host",
        "--port",
        "--spec",
        "--config",
        "--api-key",
        "--alg",
        "--signing-key",
        "--public-url",
        "--clock",
        "--log-level",
        "--allow-anonymous",
        "--frame-ancestors",
        "--max-header-bytes",
        "--allowed-hosts",
    ):
        assert flag in text


def test_flags_override_environment_override_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "mock.yaml"
    config.write_text("audience: from-file\nalg: RS256\napi_keys: [sk-file]\n")
    monkeypatch.setenv("MOCKSERVER_API_KEYS", "sk-env")
    monkeypatch.setenv("MOCKSERVER_AUDIENCE", "from-env")
    settings = settings_from(parser().parse_args(["serve", "--config", str(config), "--api-key", "sk-flag"]))
    assert settings.audience == "from-env" and settings.alg == "RS256"
    assert set(settings.api_keys) == {"sk-file", "sk-env", "sk-flag"}
    settings = settings_from(parser().parse_args(["serve", "--config", str(config), "--audience", "from-flag"]))
    assert settings.audience == "from-flag"


def test_banner_says_when_any_key_is_accepted() -> None:
    assert "ANY non-empty bearer key accepted" in banner(Settings(), "http://x", True, "ES256")
    assert "1 API key(s) accepted" in banner(Settings(api_keys={"k": KeyPolicy()}), "http://x", True, "ES256")


def settings_of(*argv: str) -> Settings:
    return settings_from(parser().parse_args(["serve", *argv]))


def test_admin_and_limit_flags_reach_the_settings() -> None:
    s = settings_of("--admin-key", "adm", "--ip-rate-limit", "30/minute", "--journal-size", "50")
    assert (s.admin, s.admin_key, s.ip_rate_limit, s.journal_size) == (True, "adm", 30, 50)
    assert settings_of("--no-admin").admin is False
    assert settings_of().ip_rate_limit is None and settings_of().journal_size == 1000


def test_the_environment_sets_them_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_IP_RATE_LIMIT", "5/min")
    monkeypatch.setenv("MOCKSERVER_NO_ADMIN", "1")
    s = settings_of()
    assert s.ip_rate_limit == 5 and s.admin is False


def test_every_serve_flag_sets_the_setting_of_its_name() -> None:
    flags = set(vars(parser().parse_args(["serve"]))) - {"command", "config"}
    assert flags <= {f.name for f in fields(Settings)}


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        pytest.param("MOCKSERVER_NO_ACCESS_LOG", "1", "access_log", False, id="no-access-log"),
        pytest.param("MOCKSERVER_NO_ADMIN", "true", "admin", False, id="no-admin"),
        pytest.param("MOCKSERVER_NO_ADMIN", "0", "admin", True, id="no-admin-off"),
        pytest.param("MOCKSERVER_ALLOW_ANONYMOUS", "yes", "allow_anonymous", True, id="allow-anonymous"),
        pytest.param("MOCKSERVER_PORT", "9001", "port", 9001, id="port"),
        pytest.param("MOCKSERVER_MAX_BODY_BYTES", "2048", "max_body_bytes", 2048, id="max-body-bytes"),
        pytest.param("MOCKSERVER_MAX_HEADER_BYTES", "4096", "max_header_bytes", 4096, id="max-header-bytes"),
        pytest.param(
            "MOCKSERVER_ALLOWED_HOSTS", "mock, b.test", "allowed_hosts", ("mock", "b.test"), id="allowed-hosts"
        ),
        pytest.param("MOCKSERVER_STORE_PREFIX", "mine", "store_prefix", "mine", id="store-prefix"),
    ],
)
def test_every_flag_is_also_an_environment_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(settings_of(), field) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--ip-rate-limit", "5/hour"], "--ip-rate-limit '5/hour' is not N/minute", id="ip-limit"),
        pytest.param(["--allowed-hosts", "http://x"], "allowed_hosts: 'http://x' is not a host name", id="hosts"),
    ],
)
def test_unusable_values_stop_start_up_with_the_reason(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", *argv]) == 2
    assert expected in capsys.readouterr().err


def test_the_banner_says_where_the_admin_api_is() -> None:
    url = "http://127.0.0.1:8000"
    assert "admin API at http://127.0.0.1:8000/__mock/" in banner(Settings(), url, True, "ES256")
    assert "(admin key required)" in banner(Settings(admin_key="k"), url, True, "ES256")
    assert "admin API off" in banner(Settings(admin=False, ip_rate_limit=3), url, True, "ES256")
    assert "3/minute per address" in banner(Settings(ip_rate_limit=3), url, True, "ES256")


@pytest.mark.parametrize(
    ("argv", "responses", "seed"),
    [
        pytest.param(["serve"], "realistic", None, id="default"),
        pytest.param(["serve", "--responses", "fuzz", "--seed", "7"], "fuzz", 7, id="fuzz"),
    ],
)
def test_responses_and_seed_reach_the_settings(argv: list[str], responses: str, seed: int | None) -> None:
    settings = settings_from(parser().parse_args(argv))
    assert (settings.responses, settings.seed) == (responses, seed)


def test_responses_and_seed_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_RESPONSES", "fuzz")
    monkeypatch.setenv("MOCKSERVER_SEED", "3")
    settings = settings_from(parser().parse_args(["serve"]))
    assert (settings.responses, settings.seed) == ("fuzz", 3)


def test_an_unknown_mode_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--responses", "chaos"])
    assert "invalid choice: 'chaos'" in capsys.readouterr().err


def test_arguments_after_double_dash_are_only_for_verify(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--", "-k", "x"])
    assert "arguments after -- are only for verify" in capsys.readouterr().err


def test_responses_and_seed_come_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "mock.yaml"
    path.write_text("responses: fuzz\nseed: 9\n")
    assert (load_config_file(path).responses, load_config_file(path).seed) == ("fuzz", 9)
    path.write_text("seed: soon\n")
    with pytest.raises(ConfigError, match="seed: 'soon' is not a int"):
        load_config_file(path)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("audience: 5", "audience: 5 is not a string", id="string"),
        pytest.param("admin: maybe", "admin: 'maybe' is not a bool", id="bool"),
        pytest.param("max_body_bytes: big", "max_body_bytes: 'big' is not a int", id="int"),
        pytest.param("store: [a]", r"store: \['a'\] is not a string", id="optional-string"),
    ],
)
def test_a_config_value_of_the_wrong_type_names_the_setting(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "mock.yaml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match=expected):
        load_config_file(path)


def test_allowed_hosts_come_from_the_flag_or_the_config_file(tmp_path: Path) -> None:
    assert settings_of("--allowed-hosts", "mock.internal,localhost").allowed_hosts == ("mock.internal", "localhost")
    config = tmp_path / "mock.yaml"
    config.write_text("allowed_hosts: [mock, other.test]\n")
    assert settings_of("--config", str(config)).allowed_hosts == ("mock", "other.test")
    config.write_text("allowed_hosts: {a: 1}\n")
    with pytest.raises(ConfigError, match=r"allowed_hosts: .* is not a list of host names"):
        settings_of("--config", str(config))


def test_start_up_names_each_mistake_of_the_vendors_document_and_serves_it_all_the_same() -> None:
    server = MockProcess("--spec", SPEC_2025, "--api-key", "sk-test")
    try:
        warnings = [line for line in server.startup_output.splitlines() if line.startswith("mockserver: warning: ")]
        assert any("DELETE /api/v1/sources/{id}/ (sources_destroy): path parameter 'pk'" in w for w in warnings)
        assert any("(recommendations_create): response 200 example" in w for w in warnings)
        deleted = httpx.delete(f"{server.url}/api/v1/sources/1/", headers={"X-API-Key": "sk-test"})
        assert deleted.status_code in (204, 404)  # served: no source 1 yet is the document's 404
    finally:
        server.stop()


# Each numeric flag of `serve` and `proxy`, with values out of its range and values that are no number.
NUMERIC = [
    ("serve", "port", ["-5", "65536", "91011", "x", "1.5"]),
    ("serve", "max-body-bytes", ["0", str(2**30 + 1), "x"]),
    ("serve", "max-header-bytes", ["100", str(2**20 + 1), "x"]),
    ("serve", "journal-size", ["0", "100001", "x"]),
    ("serve", "workers", ["0", "1025", "x"]),
    ("serve", "seed", ["-1", str(2**64), "x"]),
    ("serve", "ip-rate-limit", ["0/minute", "x"]),
    ("proxy", "port", ["70000", "x"]),
    ("proxy", "upstream-timeout", ["0", "3601", "nan", "inf", "x"]),
    ("proxy", "journal-size", ["0"]),
]
BAD_VALUES = [
    pytest.param(command, flag, value, given, id=f"{command}-{flag}={value}-{given}")
    for command, flag, values in NUMERIC
    for value in values
    for given in ("flag", "env")
]


@pytest.mark.parametrize(("command", "flag", "value", "given"), BAD_VALUES)
def test_every_bad_numeric_value_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, flag: str, value: str, given: str
) -> None:
    def started(*args: object) -> None:
        raise AssertionError("the mock started listening on a bad value")

    monkeypatch.setattr("mockserver.cli._listen", started)  # a guard: a value let through must not serve forever
    argv = [command, *(["--upstream", "http://127.0.0.1:9"] if command == "proxy" else [])]
    if given == "flag":
        argv += [f"--{flag}={value}"]
    else:
        monkeypatch.setenv(f"MOCKSERVER_{flag.upper().replace('-', '_')}", value)
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's own refusal of a value that is no number
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(("mockserver: error: ", f"mockserver {command}: error: "))
    assert f"--{flag}" in err or (given == "env" and f"MOCKSERVER_{flag.upper().replace('-', '_')}" in err)


def test_a_port_out_of_range_is_one_line_not_a_traceback_from_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "91011"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == (
        "mockserver: error: port (--port, MOCKSERVER_PORT): 91011 is out of range; it must be from 0 to 65535 "
        "(0 picks a free port)\n"
    )


CURRENT_SPEC = str(Path(SPEC_2025).with_name("iframe-create.openapi.yaml"))


@pytest.mark.parametrize(
    ("old", "new", "fail_on", "code"),
    [
        pytest.param(SPEC_2025, CURRENT_SPEC, "breaking", 1, id="2025-to-current-breaks"),
        pytest.param(SPEC_2025, SPEC_2025, "breaking", 0, id="itself"),
        pytest.param(SPEC_2025, SPEC_2025, "behaviour", 0, id="itself-behaviour"),
        pytest.param(CURRENT_SPEC, SPEC_2025, None, 0, id="no-fail-on"),
    ],
)
def test_diff_fail_on_sets_the_exit_code(old: str, new: str, fail_on: str | None, code: int) -> None:
    result = run("diff", old, new, *(["--fail-on", fail_on] if fail_on else []))
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith(f"mockserver diff {old} → {new}: ")


def test_diff_writes_each_format_and_warns_about_the_vendors_mistakes(tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    result = run("diff", SPEC_2025, CURRENT_SPEC, "--format", "markdown", "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text().startswith("### API changes: ")
    assert f"mockserver: warning: {SPEC_2025}: DELETE /api/v1/sources/{{id}}/ (sources_destroy)" in result.stderr
    coverage = Path(__file__).parent / "diff" / "data" / "coverage-theme.json"
    as_json = run("diff", CURRENT_SPEC, SPEC_2025, "--format", "json", "--coverage", str(coverage))
    assert json.loads(as_json.stdout)["changes"][0]["used"] == "your tests send `theme`"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(["nothing.yaml", SPEC_2025], "nothing.yaml", id="missing-document"),
        pytest.param([SPEC_2025, SPEC_2025, "--coverage", "nothing.json"], "--coverage nothing.json", id="coverage"),
    ],
)
def test_diff_refuses_what_it_cannot_read_in_one_line(args: list[str], problem: str) -> None:
    result = run("diff", *args)
    assert result.returncode == 2
    assert result.stderr.startswith("mockserver: error: ") and problem in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_serve_diff_from_prints_breaking_and_behaviour_changes_at_start_up() -> None:
    server = MockProcess("--spec", CURRENT_SPEC, "--diff-from", SPEC_2025, "--api-key", "sk-test")
    try:
        output = server.startup_output
        assert "POST /api/v1/iframe/create › request body › model › default: default changed (o3 → gpt-5)" in output
        assert "ip_rate_limit_window: property removed" in output
        assert "theme_id" not in output  # additive changes are left to GET /__mock/diff
        assert f"mockserver: warning: {SPEC_2025}: DELETE /api/v1/sources/{{id}}/" in output
        report = httpx.get(f"{server.url}/__mock/diff").json()
        assert report["summary"] == {"breaking": 42, "behaviour": 5, "additive": 8, "used": 0}
    finally:
        server.stop()


def test_coverage_names_the_url_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["coverage", "--url", url, "--format", "junit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mockserver: error: cannot read {url}/__mock/coverage:") and "Traceback" not in err
