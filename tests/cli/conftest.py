"""One planted workspace (flows, callouts, credentials) shared by a module's command-line tests,
which only read it; the CLI never touches the OS keyring or the user's own workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.export.conftest import plant


@pytest.fixture(autouse=True)
def _private_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")
    monkeypatch.setenv("OTP_BENCH_DB", str(tmp_path / "default-workspace.db"))
    monkeypatch.delenv("OTP_BENCH_LOG_LEVEL", raising=False)


@pytest.fixture(scope="module")
def workspace_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('planted') / 'planted.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTP_BENCH_SECRETS", "file")
        engine = Engine(Store(url), FrozenClock())
        plant(engine)
        engine.close()
    yield url
