"""The bench clock: real UTC time plus an offset the operator can fast-forward."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial


class BenchClock:
    def __init__(
        self, offset_seconds: float = 0.0, *, base: Callable[[], datetime] | None = None
    ) -> None:
        self._offset = offset_seconds
        self._base = base or partial(datetime.now, UTC)
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def now(self) -> datetime:
        offset = self._offset
        # the clock is read for every event of every step; most runs never fast-forward it
        return self._base() + timedelta(seconds=offset) if offset else self._base()

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the bench clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    def set_offset(self, seconds: float) -> None:
        """Take another process's fast-forward (from the change feed)."""
        with self._lock:
            self._offset = max(self._offset, seconds)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


class FrozenClock(BenchClock):
    """A clock that stands still until advanced: for tests."""

    def __init__(self, start: datetime | None = None) -> None:
        fixed = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        super().__init__(0.0, base=lambda: fixed)
