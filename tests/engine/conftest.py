"""The ``ws`` fixture: the engine fixture plus two sites, a custom handler and a handler spy.

On SQLite the workspace ``ws`` starts from is made once per test process (the engine fixture's
settings and ``make_workspace``'s provider and sites, ~11 ms of CPU per test when each made its
own) and copied to the test's own file, closed, so each test opens a file no engine has seen,
with the same rows the calls would have written. PostgreSQL makes them per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from tests.conftest import engine_from_seed, make_seed
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, Workspace, make_workspace, spied


@pytest.fixture(scope="session")
def _ws_seed(tmp_path_factory: pytest.TempPathFactory, engine_seed: Path) -> Path:
    return make_seed(tmp_path_factory, engine_seed, "ws-seed", make_workspace)


@pytest.fixture
def engine(request: pytest.FixtureRequest, db_url: str, clock: FrozenClock,
           engine_seed: Path) -> Iterator[Engine]:
    """As the suite's engine fixture; for a test that uses ``ws``, on a copy of its seed."""
    yield from engine_from_seed(request, db_url, clock, engine_seed, when="ws", seed="_ws_seed")


@pytest.fixture
def ws(engine: Engine) -> Workspace:
    default, custom = engine.store.site_by_name(DEFAULT_SITE), engine.store.site_by_name(
        CUSTOM_SITE)
    if default is None or custom is None:  # PostgreSQL: made here
        return make_workspace(engine)
    return spied(Workspace(engine, default, custom))
