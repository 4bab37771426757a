"""Shared fixtures. With OTP_BENCH_NO_QT=1 any import of PySide6 fails: the core runs without Qt."""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("OTP_BENCH_NO_QT") == "1":

    class _NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name == "PySide6" or name.startswith("PySide6."):
                raise ImportError("PySide6 is blocked: the core must run without Qt")
            return None

    sys.meta_path.insert(0, _NoQt())

from otp_bench.domain.model import Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workspace.db'}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def engine(db_url: str, clock: FrozenClock) -> Iterator[Engine]:
    eng = Engine(Store(db_url, throwaway=True), clock)
    eng.save_settings(Settings(custom_otp_enabled=True))
    yield eng
    eng.close()
