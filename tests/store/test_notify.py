"""Hearing another process's commit: LISTEN/NOTIFY on PostgreSQL, data_version on SQLite.

What a user notices: a second instance learns of a change within a second (SPEC §4), quiet
workspaces cause no callbacks, and a stopped watcher stops promptly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from otp_bench.domain.model import Settings
from otp_bench.engine.engine import Engine
from otp_bench.store import notify
from otp_bench.store.store import Store
from tests.engine.helpers import DEFAULT_SITE, fresh_mobile, make_workspace
from tests.store.procs import Agent


@pytest.fixture
def owner(any_db_url: str) -> Iterator[Engine]:
    eng = Engine(Store(any_db_url))
    eng.save_settings(Settings(custom_otp_enabled=True))
    make_workspace(eng)
    eng.new_user("live@example.com", mobile=fresh_mobile(),
                 sites=frozenset({eng.find_site(DEFAULT_SITE).id}))
    yield eng
    eng.close()


class Heard:
    def __init__(self) -> None:
        self.count = 0
        self.at = 0.0  # time.time() of the first callback since the event was cleared
        self.event = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        if not self.event.is_set():
            self.at = time.time()
        self.event.set()


def test_a_commit_in_another_process_is_heard_within_a_second(
        owner: Engine, caplog: pytest.LogCaptureFixture) -> None:
    heard = Heard()
    watcher = notify.watch(owner.store.url, owner.store.workspace_id, heard)
    assert watcher is not None
    other = Agent(owner.store.url)
    try:
        heard.event.clear()  # the agent is ready; it committed nothing yet
        heard.count = 0
        other.send(op="start", use_case="passwordless_login", site=DEFAULT_SITE,
                   user="live@example.com")
        assert heard.event.wait(30.0), "no notification"
        other.answer()
    finally:
        other.close()
        watcher.stop()
    # from the agent's commit (it stamps its answer right after), not from the request: the
    # agent's own flow, slow on a loaded machine, isn't part of what a second instance waits
    latency = heard.at - other.answered_at
    assert latency < 1.0, f"heard {latency:.3f} s after the commit"
    assert "failed" not in caplog.text  # heard by the watch itself, not by its retry's look


def test_a_quiet_workspace_causes_no_callbacks_and_stop_is_prompt(
        owner: Engine, caplog: pytest.LogCaptureFixture) -> None:
    heard = Heard()
    watcher = notify.watch(owner.store.url, owner.store.workspace_id, heard)
    assert watcher is not None
    assert not heard.event.wait(0.3)  # three SQLite polls, or a LISTEN: nothing to say
    started = time.perf_counter()
    watcher.stop()  # wakes the watch at once, on PostgreSQL too (no LISTEN wait to end)
    assert time.perf_counter() - started < 2.0
    assert heard.count == 0
    assert "failed" not in caplog.text  # the watch ran all along


def test_in_memory_workspaces_have_no_watcher() -> None:
    assert notify.watch("sqlite:///:memory:", "0" * 32, lambda: None) is None
