"""The ``ws`` fixture: the engine fixture plus two sites, a custom handler and a handler spy.

On SQLite the workspace ``ws`` starts from is made once per test process (the engine fixture's
settings and ``make_workspace``'s provider and sites, ~11 ms of CPU per test when each made its
own) and copied to the test's own file, closed, so each test opens a file no engine has seen,
with the same rows the calls would have written. PostgreSQL makes them per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench.domain.model import Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.db import sqlite_path
from otp_bench.store.store import Store
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, Workspace, make_workspace, spied


def _new_engine(db_url: str, clock: FrozenClock) -> Engine:
    eng = Engine(Store(db_url, throwaway=True), clock)
    eng.save_settings(Settings(custom_otp_enabled=True))
    return eng


@pytest.fixture(scope="session")
def _ws_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ws-seed") / "workspace.db"
    eng = _new_engine(f"sqlite:///{path}", FrozenClock())
    make_workspace(eng)
    eng.close()
    return path


@pytest.fixture
def engine(request: pytest.FixtureRequest, db_url: str, clock: FrozenClock) -> Iterator[Engine]:
    """As the suite's engine fixture; for a test that uses ``ws``, on a copy of its seed."""
    path = sqlite_path(db_url)
    if path is not None and "ws" in request.fixturenames:
        shutil.copyfile(request.getfixturevalue("_ws_seed"), path)
        eng = Engine(Store(db_url, throwaway=True), clock)
    else:
        eng = _new_engine(db_url, clock)
    yield eng
    eng.close()


@pytest.fixture
def ws(engine: Engine) -> Workspace:
    default, custom = engine.store.site_by_name(DEFAULT_SITE), engine.store.site_by_name(
        CUSTOM_SITE)
    if default is None or custom is None:  # PostgreSQL: made here
        return make_workspace(engine)
    return spied(Workspace(engine, default, custom))
