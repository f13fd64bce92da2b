from __future__ import annotations

import pytest

from mockserver.cli import banner, main, parser, settings_from
from mockserver.config import Settings


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


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--ip-rate-limit", "5/hour"], "--ip-rate-limit '5/hour' is not N/minute", id="ip-limit"),
        pytest.param(["--journal-size", "0"], "journal_size: 0 must be at least 1", id="journal-size"),
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
