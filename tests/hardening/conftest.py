"""A loopback mock provider per test module, its inbox a real workspace store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from otp_bench.domain.model import Settings
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.mockprovider.loopback import LoopbackMock
from otp_bench.store.store import Store
from tests.engine.helpers import Workspace, make_workspace


@pytest.fixture
def live(tmp_path, clock: FrozenClock) -> Iterator[tuple[Engine, LoopbackMock]]:  # type: ignore[no-untyped-def]
    eng = Engine(Store(f"sqlite:///{tmp_path / 'ws.db'}", throwaway=True), clock)
    eng.save_settings(Settings(custom_otp_enabled=True))
    mock = LoopbackMock(eng.store)
    mock.start()
    yield eng, mock
    mock.stop()
    eng.close()


@pytest.fixture
def ws(engine: Engine) -> Workspace:
    return make_workspace(engine)
