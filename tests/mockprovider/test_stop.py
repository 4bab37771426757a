"""Stopping the mock while answers are in flight: at its graceful second the stop cuts what waits
on purpose (hang and latency faults), while an answer waiting for its message's commit still
finishes — a 201 for a message that is on the phone, not a 500 — up to its own hard bound.

The commit is held at a gate the test opens (no load, no sleeps); the stages of the stop are
seen in the log lines the server writes for them.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from otp_bench.mockprovider.app import MockState
from otp_bench.mockprovider.faults import Fault
from otp_bench.mockprovider.loopback import LoopbackMock
from tests.mockprovider.helpers import ListInbox

SID = "AC" + "0123456789abcdef" * 2
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{SID}:token".encode()).decode()}
PHONE = "+14155552671"


class HeldInbox(ListInbox):
    """Its batch commit waits at a gate the test opens."""

    def __init__(self) -> None:
        super().__init__()
        self.committing, self.gate = threading.Event(), threading.Event()

    def deliver_many(self, messages: list[dict[str, Any]]) -> int:
        self.committing.set()
        self.gate.wait(timeout=30)
        for m in messages:
            self.deliver(**m)
        return len(messages)


class SeenState(MockState):
    """Counts the requests that reached the endpoint (picked their faults)."""

    def __init__(self, inbox: HeldInbox) -> None:
        super().__init__(inbox)
        self.seen = threading.Semaphore(0)

    def pick(self, key: str | None, dialect: str, number: str | None,
             ) -> tuple[float, Fault | None]:
        try:
            return super().pick(key, dialect, number)
        finally:
            self.seen.release()


class StopLog(logging.Handler):
    """The server's shutdown lines, each with an event a test can wait on."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.events = {w: threading.Event() for w in ("Cancel 1 running", "Let 1 finishing",
                                                       "Cancel 1 finishing")}

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        for start, event in self.events.items():
            if line.startswith(start):
                event.set()


@pytest.fixture
def stop_log() -> Iterator[StopLog]:
    handler = StopLog()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _post(url: str, out: list[object]) -> threading.Thread:
    def ask() -> None:
        try:
            out.append(httpx.post(url, headers=AUTH, timeout=30, data={
                "To": PHONE, "From": "+15005550006", "Body": "482915 is your code"}).status_code)
        except httpx.HTTPError as exc:  # the connection went with the server
            out.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    return thread


def _serve_two(mock: LoopbackMock, fault: dict[str, Any], state: SeenState,
               ) -> tuple[list[object], threading.Thread, list[object], threading.Thread]:
    """One request that waits on purpose (``fault``) and one whose commit is held."""
    base = mock.start()
    mock.set_faults("waits", [fault])
    waiting: list[object] = []
    waiter = _post(mock.url_for("waits") + PATH, waiting)
    assert state.seen.acquire(timeout=10)  # in its fault's wait
    committed: list[object] = []
    committer = _post(base + PATH, committed)
    assert mock.state.inbox.committing.wait(10)  # type: ignore[attr-defined]
    return waiting, waiter, committed, committer


def test_a_stop_cuts_a_hang_at_its_graceful_second_but_lets_a_commit_answer(
        stop_log: StopLog) -> None:
    inbox = HeldInbox()
    state = SeenState(inbox)
    mock = LoopbackMock(inbox, state=state)
    waiting, waiter, committed, committer = _serve_two(mock, {"hang": True}, state)
    stopper = threading.Thread(target=mock.stop, daemon=True)
    stopper.start()
    # the hang (600 s) is cut at the graceful second; the commit, still held, is not
    assert stop_log.events["Cancel 1 running"].wait(10), stop_log.lines
    assert stop_log.events["Let 1 finishing"].wait(10), stop_log.lines
    waiter.join(10)
    assert waiting and waiting[0] != 201
    assert committer.is_alive() and stopper.is_alive()
    inbox.gate.set()
    committer.join(10)
    stopper.join(20)
    assert not stopper.is_alive()
    assert committed == [201]  # the vendor's word: the phone has it
    assert [m.body for m in inbox.inbox(PHONE)] == ["482915 is your code"]
    assert not stop_log.events["Cancel 1 finishing"].is_set()


def test_a_commit_that_never_ends_is_cut_at_the_hard_bound_and_the_log_says_so(
        stop_log: StopLog) -> None:
    inbox = HeldInbox()
    state = SeenState(inbox)
    mock = LoopbackMock(inbox, state=state, finish_timeout=0.2)
    waiting, waiter, committed, committer = _serve_two(mock, {"latency": 60}, state)
    stopper = threading.Thread(target=mock.stop, daemon=True)
    stopper.start()
    assert stop_log.events["Cancel 1 running"].wait(10), stop_log.lines  # the 60 s latency
    assert stop_log.events["Cancel 1 finishing"].wait(10), stop_log.lines
    waiter.join(10)
    committer.join(10)
    assert waiting and waiting[0] != 201
    assert committed and committed[0] != 201  # cut: no 201 for a commit that never came
    inbox.gate.set()  # the stop still writes what was queued before it returns
    stopper.join(20)
    assert not stopper.is_alive()
