"""The write-ahead log is checkpointed in the pauses between steps, at once past its limit, and
restarted from its beginning even while steps keep coming: it stays bounded."""

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


def test_a_due_checkpoint_waits_for_a_pause_in_the_commits(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 5)
    monkeypatch.setattr(checkpoint, "LIMIT", 10**6)
    monkeypatch.setattr(checkpoint, "IDLE", 0.05)
    cp = _checkpointer(store)
    for _ in range(6):
        _commit(store)
    assert cp.wait_for_runs(1, timeout=10)
    busy, frames, copied = cp.checkpoint() or (1, 0, 0)
    assert busy == 0 and copied == frames  # everything committed reached the database file


def test_no_pause_no_checkpoint_until_the_limit(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cp = _checkpointer(store)
    monkeypatch.setattr(checkpoint, "EVERY", cp.in_log + 5)  # opening the workspace committed
    monkeypatch.setattr(checkpoint, "LIMIT", cp.in_log + 100)
    monkeypatch.setattr(checkpoint, "IDLE", 3600.0)  # the commits never pause
    while cp.in_log < checkpoint.EVERY:
        _commit(store)
    assert not cp.wait_for_runs(1, timeout=0.3)  # due, but waiting for a pause
    while cp.in_log < checkpoint.LIMIT:
        _commit(store)
    assert cp.wait_for_runs(1, timeout=10)  # the limit doesn't wait


def test_the_log_restarts_though_steps_commit_while_it_is_copied(
    store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 10)
    monkeypatch.setattr(checkpoint, "LIMIT", 10)
    monkeypatch.setattr(checkpoint, "IDLE", 3600.0)
    monkeypatch.setattr(checkpoint, "MAX_LOG_FRAMES", 1)
    cp = _checkpointer(store)
    real = checkpoint.Checkpointer.checkpoint
    passes = count()

    def copy_then_a_step_commits(self: checkpoint.Checkpointer) -> tuple[int, int, int] | None:
        done = real(self)
        if next(passes) == 0:  # a step lands after the first pass looked at the log
            step = threading.Thread(target=_commit, args=(store,))
            step.start()
            step.join(10)
        return done

    monkeypatch.setattr(checkpoint.Checkpointer, "checkpoint", copy_then_a_step_commits)
    for _ in range(10):
        _commit(store)
    assert cp.wait_for_runs(1, timeout=10)
    _commit(store)  # finds the log wholly copied: writes from its beginning
    # the log holds what came since the copy (~12 pages), not the ~50 pages of every commit
    # since the store opened, as a log never restarted does
    assert _log_frames(store) <= 25


def test_a_closed_store_leaves_no_checkpoint_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 2)
    monkeypatch.setattr(checkpoint, "IDLE", 3600.0)
    s = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    cp = _checkpointer(s)
    for _ in range(3):
        _commit(s)
    waiting = [t for t in threading.enumerate() if t.name == "otp-bench-checkpoint"]
    assert waiting
    s.close()
    assert not any(t.is_alive() for t in waiting)
    assert cp.runs == 1
