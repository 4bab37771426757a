"""GUI test fixtures: a real main window over a real engine (throwaway SQLite, frozen clock) with
the sample workspace, driven through its widgets. Everything is offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings

from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store


@pytest.fixture
def bench_engine(db_url: str) -> Iterator[Engine]:
    from otp_bench.gui.sample import load_sample_workspace

    eng = Engine(Store(db_url, throwaway=True), FrozenClock())
    load_sample_workspace(eng)
    yield eng


@pytest.fixture
def empty_engine(db_url: str) -> Iterator[Engine]:
    yield Engine(Store(db_url, throwaway=True), FrozenClock())


def _window(qtbot: Any, tmp_path: Path, engine: Engine) -> Any:
    from PySide6.QtWidgets import QApplication

    from otp_bench.gui import theme
    from otp_bench.gui.main_window import MainWindow

    theme.apply(QApplication.instance(), "light")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.set_engine(engine)
    w.show()
    qtbot.waitUntil(lambda: w.tasks.pending == 0)
    return w


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, bench_engine: Engine) -> Iterator[Any]:
    w = _window(qtbot, tmp_path, bench_engine)
    yield w
    w.shutdown()


@pytest.fixture
def empty_window(qtbot: Any, tmp_path: Path, empty_engine: Engine) -> Iterator[Any]:
    w = _window(qtbot, tmp_path, empty_engine)
    yield w
    w.shutdown()


@pytest.fixture(autouse=True)
def _no_dangling_workers() -> Iterator[None]:
    """A test that leaves a worker, the mock provider or the headless server running fails."""
    import threading

    before = {t.ident for t in threading.enumerate()}
    yield
    ours = ("otp-bench", "headless-api")  # task workers, the mock provider, the headless API
    shared = ("otp-bench-callouts",)  # the process-wide callout loop and its sync-transport pool
    left = [t.name for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and t.name.startswith(ours)
            and not t.name.startswith(shared)]
    assert not left, f"threads outlived the test: {left}"
