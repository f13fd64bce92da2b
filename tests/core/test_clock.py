from __future__ import annotations

import pytest

from mockserver.core.clock import Clock, ClockError, format_time, parse_time

T0 = parse_time("2026-01-01T00:00:00Z")


def fake_time() -> float:
    return T0


def test_real_clock_follows_its_source() -> None:
    assert Clock.parse("real", source=fake_time).now() == T0


def test_frozen_clock_stands_still_and_moves_when_told() -> None:
    clock = Clock.parse("frozen:2026-01-01T00:00:00Z")
    assert clock.now() == T0
    clock.advance(59.5)
    assert clock.now() == T0 + 59.5


def test_offset_clock_is_real_time_shifted() -> None:
    assert Clock.parse("offset:-3600", source=fake_time).now() == T0 - 3600


def test_set_refuses_to_go_back_unless_allowed() -> None:
    clock = Clock.parse("offset:0", source=fake_time)
    with pytest.raises(ClockError, match="allow_backwards"):
        clock.set(T0 - 1)
    clock.set(T0 - 10, allow_backwards=True)
    assert clock.now() == T0 - 10
    clock.set(T0 + 100)
    assert clock.now() == T0 + 100


def test_advance_refuses_negative_seconds() -> None:
    with pytest.raises(ClockError, match="negative"):
        Clock.parse("frozen").advance(-1)


@pytest.mark.parametrize("spec", ["sundial", "frozen:yesterday", "offset:soon", "real:1"])
def test_bad_clock_specs_say_what_is_accepted(spec: str) -> None:
    with pytest.raises(ClockError, match="is not"):
        Clock.parse(spec)


def test_times_round_trip_in_utc() -> None:
    assert format_time(T0) == "2026-01-01T00:00:00Z"
    assert parse_time("2026-01-01T01:00:00+01:00") == T0
    assert parse_time("2026-01-01T00:00:00") == T0
