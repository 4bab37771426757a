"""The bench clock: real time plus an offset that only moves forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from otp_bench.engine.clock import BenchClock, FrozenClock


def test_frozen_clock_moves_only_when_advanced() -> None:
    clock = FrozenClock(datetime(2026, 5, 1, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 5, 1, tzinfo=UTC)
    clock.advance(90)
    assert clock.now() == datetime(2026, 5, 1, 0, 1, 30, tzinfo=UTC)


def test_bench_clock_runs_with_real_time_plus_offset() -> None:
    clock = BenchClock(3600)
    delta = clock.now() - datetime.now(UTC)
    assert timedelta(minutes=59) < delta <= timedelta(hours=1, seconds=5)
    assert clock.now().tzinfo is not None


def test_the_clock_never_goes_back() -> None:
    clock = FrozenClock()
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.advance(10)
    clock.reset()
    assert clock.offset_seconds == 0
