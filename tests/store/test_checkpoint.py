"""WAL checkpoints run off the engine's path, and the log stays bounded while steps commit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from otp_bench.domain.model import Site
from otp_bench.store import checkpoint
from otp_bench.store.store import Store


def test_commits_never_checkpoint_inline_but_the_log_is_checkpointed(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = Store(f"sqlite:///{path}", throwaway=True)
    try:
        with store.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        checkpointer = checkpoint.of(store.engine)
        assert checkpointer is not None
        for i in range(checkpoint.EVERY + 5):
            store.save_site(Site(id=f"0DBX{i:05d}", name=f"site {i}"))
        busy, frames, done = checkpointer.checkpoint_now() or (1, 0, 0)
        assert busy == 0 and done == frames  # everything in the log reached the database
    finally:
        store.close()
    # saved data stays saved: another program reads every site from the file alone
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sites").fetchone()[0] == checkpoint.EVERY + 5


def test_a_checkpoint_of_a_missing_file_is_skipped_not_raised(tmp_path: Path) -> None:
    assert checkpoint.Checkpointer(tmp_path / "no" / "such.db").checkpoint() is None
