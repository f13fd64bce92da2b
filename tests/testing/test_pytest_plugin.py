from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.spec.contract import load_contract

USES_THE_MOCK = """
import httpx

def test_create_then_expire(camel_mock):
    with httpx.Client(base_url=camel_mock.url, headers=camel_mock.headers) as client:
        r = client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"], "ttl": 60})
        assert r.status_code == 200, r.text
        key = r.json()["cache_key"]
        assert client.get(f"/api/v1/iframe/token/{key}").status_code == 200
        camel_mock.clock.advance(60)
        assert client.get(f"/api/v1/iframe/token/{key}").status_code == 404

def test_fresh_forgets_and_restores_the_clock(camel_mock_fresh):
    assert camel_mock_fresh.requests.last is None
    with httpx.Client(base_url=camel_mock_fresh.url, headers=camel_mock_fresh.headers) as client:
        r = client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"], "ttl": 60})
        assert client.get(f"/api/v1/iframe/token/{r.json()['cache_key']}").status_code == 200
"""

PRINTS_THE_SETTINGS = """
import httpx

def test_settings(camel_mock):
    with httpx.Client(base_url=camel_mock.url) as client:
        jwks = client.get("/.well-known/jwks.json").json()
    print("ALG", [k["alg"] for k in jwks["keys"]] or ["HS256"], "KEY", camel_mock.api_key,
          "KEYS", sorted(camel_mock.mock.settings.api_keys), "RESPONSES", camel_mock.mock.settings.responses,
          "CLOCK", camel_mock.mock.clock.state.frozen)
"""


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def settings_line(pytester: pytest.Pytester, *args: str, ini: str = "") -> str:
    pytester.makeini(INI + ini)
    pytester.makepyfile(test_settings=PRINTS_THE_SETTINGS)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    return next(line for line in result.outlines if "ALG" in line)


def test_the_fixtures_run_a_real_mock_with_a_movable_clock(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_client=USES_THE_MOCK)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_defaults_are_one_key_and_a_frozen_clock(pytester: pytest.Pytester) -> None:
    line = settings_line(pytester)
    assert "ALG ['ES256'] KEY sk-test KEYS ['sk-test'] RESPONSES realistic CLOCK True" in line


def test_options_come_from_the_ini(pytester: pytest.Pytester) -> None:
    ini = "camel_mock_alg = RS256\ncamel_mock_api_keys = sk-a sk-b\ncamel_mock_responses = fuzz\n"
    line = settings_line(pytester, ini=ini)
    assert "ALG ['RS256'] KEY sk-a KEYS ['sk-a', 'sk-b'] RESPONSES fuzz" in line


def test_flags_win_over_the_ini(pytester: pytest.Pytester) -> None:
    flags = ("--camel-mock-alg", "EdDSA", "--camel-mock-api-key", "sk-flag", "--camel-mock-clock", "real")
    line = settings_line(pytester, *flags, ini="camel_mock_alg = RS256\n")
    assert "ALG ['EdDSA'] KEY sk-flag KEYS ['sk-flag'] RESPONSES realistic CLOCK False" in line


def test_a_config_file_sets_keys_and_algorithm(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", mock="alg: HS256\napi_keys:\n  sk-file: {models: [gpt-5]}\n")
    line = settings_line(pytester, "--camel-mock-config", "mock.yaml")
    assert "ALG ['HS256'] KEY sk-file KEYS ['sk-file'] RESPONSES realistic CLOCK True" in line


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        pytest.param("--camel-mock-clock", "sometimes", "*--clock 'sometimes' is not one of*", id="clock"),
        pytest.param("--camel-mock-seed", "soon", "*camel_mock_seed: 'soon' is not an integer*", id="seed"),
        pytest.param("--camel-mock-config", "missing.yaml", "*missing.yaml: cannot read the config file*", id="config"),
    ],
)
def test_a_bad_setting_fails_the_fixture_with_its_source(
    pytester: pytest.Pytester, flag: str, value: str, message: str
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_x(camel_mock):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", flag, value)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])


def test_importing_the_plugin_loads_neither_the_mock_nor_its_heavy_dependencies() -> None:
    heavy = ("uvicorn", "schemathesis", "hypothesis", "starlette", "jwt", "mockserver.mock")
    code = f"import sys, mockserver.testing.pytest_plugin; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


SPEC_2025 = Path(__file__).parents[2] / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"
COUNTS_OPERATIONS = """
def test_operations(camel_mock):
    print("OPERATIONS", len(camel_mock.mock.contract.operations))
"""


@pytest.mark.parametrize("given", ["flag", "ini"])
def test_the_fixtures_can_serve_another_document(pytester: pytest.Pytester, given: str) -> None:
    (pytester.path / "docs").mkdir()
    shutil.copy(SPEC_2025, pytester.path / "docs" / "camelai.yaml")
    ini = "camel_mock_spec = docs/camelai.yaml\n" if given == "ini" else ""
    pytester.makeini(INI + ini)
    pytester.makepyfile(test_operations=COUNTS_OPERATIONS)
    flags = ["--camel-mock-spec", "docs/camelai.yaml"] if given == "flag" else []
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", *flags)
    result.assert_outcomes(passed=1)
    served = len(load_contract(SPEC_2025).operations)  # the vendor's 43 and the mock's own
    assert any(f"OPERATIONS {served}" in line for line in result.outlines)


def test_the_config_option_lists_the_keys_a_config_file_takes(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    result = pytester.runpytest("--help")
    text = " ".join(" ".join(result.outlines).split())
    assert "the mock's YAML config file; its keys: admin, admin_key, alg, allow_anonymous, allowed_hosts," in text
    assert "store_prefix" in text and "--camel-mock-spec" in text


PER_EXAMPLE = """
import httpx
from hypothesis import given, settings, strategies as st

@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=60, max_value=3600))
def test_each_example_starts_fresh(camel_mock, ttl):
    with camel_mock.fresh() as mock:
        assert len(mock.requests) == 0
        with httpx.Client(base_url=mock.url, headers=mock.headers) as client:
            client.post("/api/v1/iframe/create", json={"uid": "u", "srcs": [], "ttl": ttl})
        mock.requests.assert_called("iframe_create_create", times=1)
"""

FRESH_IN_GIVEN = """
from hypothesis import given, strategies as st

@given(st.integers())
def test_x(camel_mock_fresh, n):
    pass
"""


def test_a_given_test_resets_the_mock_per_example_with_fresh(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_given=PER_EXAMPLE)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_camel_mock_fresh_in_a_given_test_says_what_to_use_instead(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_given=FRESH_IN_GIVEN)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*in a @given test use camel_mock, with `with camel_mock.fresh():`*"])


ONE_CREATE = """
import httpx

def test_one_create(camel_mock):
    with httpx.Client(base_url=camel_mock.url, headers=camel_mock.headers) as client:
        assert client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"]}).status_code == 200
"""


@pytest.mark.parametrize(
    ("threshold", "outcome"),
    [pytest.param("100", 1, id="below-fails"), pytest.param("1", 0, id="above-passes")],
)
def test_cov_fail_under_fails_a_session_below_the_threshold(
    pytester: pytest.Pytester, threshold: str, outcome: int
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_client=ONE_CREATE)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--camel-mock-cov-fail-under={threshold}")
    result.assert_outcomes(passed=1)
    assert result.ret == outcome
    result.stdout.fnmatch_lines(["*contract coverage*", "iframe_create_create *", "TOTAL *"])
    verdict = (
        "FAIL Required contract coverage of *% not reached*" if outcome else "Required contract coverage * reached*"
    )
    result.stdout.fnmatch_lines([verdict])


def test_cov_report_writes_json_and_markdown_and_reads_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        INI + "camel_mock_cov_report = json:cov.json markdown:cov.md\ncamel_mock_cov_operations = iframe_*\n"
    )
    pytester.makepyfile(test_client=ONE_CREATE)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    data = json.loads((pytester.path / "cov.json").read_text())
    assert set(data["operations"]) == {"iframe_create_create"}
    assert data["operations"]["iframe_create_create"]["answers"]["200"]["count"] == 1
    assert "| `iframe_create_create` |" in (pytester.path / "cov.md").read_text()


STRICT = """
import httpx

def test_sends_a_ttl_of_5(camel_mock):
    with httpx.Client(base_url=camel_mock.url, headers=camel_mock.headers) as client:
        client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"], "ttl": 5})

def test_sends_it_on_purpose(camel_mock_fresh):
    with httpx.Client(base_url=camel_mock_fresh.url, headers=camel_mock_fresh.headers) as client:
        with camel_mock_fresh.expect_invalid():
            r = client.post("/api/v1/iframe/create", json={"uid": "u1", "srcs": ["1"], "ttl": 5})
        assert r.status_code == 400
"""


def test_strict_fails_a_test_whose_client_broke_the_contract_unless_expected(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_strict=STRICT)
    result = pytester.runpytest("-p", "no:cacheprovider", "--camel-mock-strict")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*iframe_create_create body.ttl: minimum*expect_invalid*", "FAILED test_strict.py::test_sends_a_ttl_of_5*"]
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)  # not strict: both pass
