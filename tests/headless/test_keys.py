"""The headless identity (signing key, org id) belongs to the workspace, sealed in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.headless.keys import IDENTITY_KEY, load_identity
from otp_bench.store.secret_store import SecretsLocked
from otp_bench.store.store import Store


def test_the_identity_survives_reopening_and_is_sealed_in_the_workspace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    first = Store(url)
    one = load_identity(first)
    first.close()
    again = Store(url)
    two = load_identity(again)
    assert (two.kid, two.org_id, two.persistent) == (one.kid, one.org_id, True)
    assert again.workspace_secret(IDENTITY_KEY) is not None
    again.close()
    raw = (tmp_path / "ws.db").read_bytes()
    assert b"BEGIN PRIVATE KEY" not in raw and one.fallback_secret.encode() not in raw


def test_without_the_workspace_key_the_server_still_serves_with_a_key_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    owner = Store(url)
    load_identity(owner)
    owner.close()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))  # another machine
    eng = Engine(Store(url), FrozenClock())
    try:
        identity = load_identity(eng.store)
        assert identity.persistent is False
        with pytest.raises(SecretsLocked):
            eng.new_connected_app("A", "client-a")  # nothing half-saved
        assert eng.connected_apps() == []
    finally:
        eng.close()
