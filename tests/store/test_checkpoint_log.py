"""The write-ahead log is checkpointed off the steps' path and restarted from its beginning even
while steps keep coming: it stays bounded."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from otp_bench.domain.model import Site
from otp_bench.store import checkpoint
from otp_bench.store.store import Store

_ids = count()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    yield s
    s.close()


def _commit(store: Store) -> None:
    n = next(_ids)
    store.save_site(Site(id=f"0DBL{n:05d}", name=f"site {n}"))


def _checkpointer(store: Store) -> checkpoint.Checkpointer:
    found = checkpoint.of(store.engine)
    assert found is not None
    return found


def _log_frames(store: Store) -> int:
    """Pages in the log now (a PASSIVE checkpoint of nothing new reports them)."""
    path = store.engine.url.database
    with sqlite3.connect(f"file:{path}?mode=rw", uri=True) as conn:
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_the_log_restarts_though_steps_commit_while_it_is_copied(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 10**9)
    monkeypatch.setattr(checkpoint, "MAX_LOG_FRAMES", 1)
    cp = _checkpointer(store)
    for _ in range(10):
        _commit(store)
    real = checkpoint.Checkpointer.checkpoint
    passes = count()

    def copy_then_a_step_commits(self: checkpoint.Checkpointer) -> tuple[int, int, int] | None:
        done = real(self)
        if next(passes) == 0:  # a step lands after the first pass looked at the log
            checkpoint.EVERY = 10**9  # and this is the only checkpoint
            step = threading.Thread(target=_commit, args=(store,))
            step.start()
            step.join(10)
        return done

    monkeypatch.setattr(checkpoint.Checkpointer, "checkpoint", copy_then_a_step_commits)
    monkeypatch.setattr(checkpoint, "EVERY", 1)
    _commit(store)  # due: one checkpoint runs
    assert cp.wait_for_runs(1, timeout=10)
    assert cp.runs == 1
    _commit(store)  # finds the log wholly copied: writes from its beginning
    # the log holds what came since the copy (~12 pages), not the ~50 pages of every commit
    # since the store opened, as a log never restarted does
    assert _log_frames(store) <= 25


def test_a_closed_store_leaves_no_checkpoint_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 2)
    s = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    cp = _checkpointer(s)
    for _ in range(3):
        _commit(s)
    started = [t for t in threading.enumerate() if t.name == "otp-bench-checkpoint"]
    s.close()
    assert not any(t.is_alive() for t in started)
    runs = cp.runs
    _commit_after_close = cp.committed  # a commit counted after close starts nothing
    for _ in range(5):
        _commit_after_close()
    assert cp.runs == runs
    assert not [t for t in threading.enumerate() if t.name == "otp-bench-checkpoint"]


def test_a_workspace_path_with_uri_characters_is_checkpointed(tmp_path: Path) -> None:
    folder = tmp_path / "team #2 50% done"  # a fragment and an escape in a file: URI
    folder.mkdir()
    s = Store(f"sqlite:///{folder / 'w.db'}", throwaway=True)
    try:
        _commit(s)
        busy, frames, copied = _checkpointer(s).checkpoint() or (1, 0, 0)
        assert busy == 0 and copied == frames > 0
    finally:
        s.close()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("w.db")) == []
