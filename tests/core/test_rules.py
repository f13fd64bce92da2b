from __future__ import annotations

import pytest

from mockserver.config import KeyPolicy
from mockserver.core.rules import authenticate, claims, model_error, resolve
from mockserver.spec.contract import CREATE, load_contract

KEYS = {"sk-one": KeyPolicy(), "sk-free": KeyPolicy(("gpt-5",))}
DEFAULTS = {"ttl": 900, "model": "gpt-5", "response_mode": "full", "show_sidebar": True, "show_dashboards": True}


@pytest.mark.parametrize(
    ("header", "keys", "anonymous", "key", "error"),
    [
        pytest.param("Bearer anything", {}, False, "anything", None, id="any-key-when-none-configured"),
        pytest.param("bearer sk-one", KEYS, False, "sk-one", None, id="scheme-case-insensitive"),
        pytest.param("Bearer sk-two", KEYS, False, None, "the API key sent is not one of the keys", id="unknown-key"),
        pytest.param(None, KEYS, False, None, "header is missing", id="missing"),
        pytest.param(None, KEYS, True, None, None, id="anonymous-allowed"),
        pytest.param("Basic dXNlcjpwYXNz", {}, False, None, "the Basic scheme is not accepted", id="basic"),
        pytest.param("sk-one", KEYS, False, None, "the value has no scheme", id="key-without-scheme"),
        pytest.param("Bearer:sk-one", KEYS, False, None, "'Bearer' must be followed by one space", id="colon"),
        pytest.param("   ", KEYS, False, None, "the value is empty", id="blank"),
        pytest.param("Bearer ", {}, False, None, "needs an API key", id="empty-key"),
    ],
)
def test_authenticate(
    header: str | None, keys: dict[str, KeyPolicy], anonymous: bool, key: str | None, error: str | None
) -> None:
    result = authenticate(header, keys, anonymous)
    assert result.key == key
    assert (result.error is None) if error is None else (error in (result.error or ""))


def test_unknown_key_is_masked_in_the_error() -> None:
    assert "sk-secret-value" not in (authenticate("Bearer sk-secret-value", KEYS, False).error or "")


def test_model_limited_per_key() -> None:
    assert model_error(KEYS["sk-free"], "gpt-5") is None
    assert model_error(KEYS["sk-one"], "o3") is None
    assert model_error(None, "o3") is None
    assert (
        model_error(KEYS["sk-free"], "o3") == "model: 'o3' is not allowed for the API key sent; this key may use: gpt-5"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({}, {"response_mode": "full", "show_sidebar": True}, id="defaults"),
        pytest.param(
            {"response_mode": "basic", "show_sidebar": False},
            {"response_mode": "basic", "show_sidebar": False},
            id="deprecated-fields-apply-without-theme",
        ),
        pytest.param(
            {"response_mode": "basic", "theme": {"response_mode": "full", "show_sidebar": "false"}},
            {"response_mode": "full", "show_sidebar": False},
            id="theme-wins",
        ),
        pytest.param(
            {"show_dashboards": False, "theme": {"show_dashboards": "maybe"}},
            {"show_dashboards": False},
            id="unreadable-theme-flag-falls-back",
        ),
    ],
)
def test_theme_settings_win_over_deprecated_fallbacks(body: dict[str, object], expected: dict[str, object]) -> None:
    resolved = resolve({"uid": "u", "srcs": [], **body}, DEFAULTS)
    assert {k: resolved[k] for k in expected} == expected


def test_claims_carry_the_request_and_registered_claims() -> None:
    settings = resolve({"uid": "u", "srcs": ["a"], "ttl": 60, "limits": {"hourly": 2}, "theme_id": 7}, DEFAULTS)
    out = claims(settings, issuer="http://m", audience="aud", now=1000.7, jti="j")
    assert out["iat"] == out["nbf"] == 1000 and out["exp"] == 1060
    assert out["sub"] == "u" and out["limits"] == {"hourly": 2} and out["theme_id"] == 7 and "theme" not in out
    assert out["model"] == "gpt-5" and out["iss"] == "http://m" and out["aud"] == "aud" and out["jti"] == "j"


def test_claims_carry_every_documented_field_resolved_and_nothing_else() -> None:
    create = load_contract().operation(CREATE)
    settings = resolve({"uid": "u", "srcs": ["a"], "not_documented": 1}, create.defaults, create.fields)
    out = claims(settings, issuer="http://m", audience="aud", now=0, jti="j")
    # For the current document, the claims a token has always carried; no field of it is listed in the code.
    assert set(out) == {
        *("iss", "aud", "sub", "iat", "nbf", "exp", "jti"),
        *("srcs", "model", "response_mode", "show_sidebar", "show_dashboards"),
        *("knowledge_base_entries", "reference_queries"),
    }
