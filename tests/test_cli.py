from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.cli import main, parser, settings_from
from mockserver.config import ConfigError, load_config_file


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
