"""The engine facade: Identity Verification History, typed events after commit (stored
append-only, never carrying an OTP), and concurrent use from worker threads."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from otp_bench.domain.events import (
    OTP_MASK,
    DeliveryCompleted,
    FlagsChanged,
    FlowStarted,
    HandlerCalled,
    HistoryRecorded,
    InitRefused,
    OtpIssued,
    UserRegistered,
    VerifyAttempted,
)
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, Workspace, fresh_mobile

LOGIN = UseCase.PASSWORDLESS_LOGIN
CHALLENGED = "User challenged, waiting for response"


# -- Identity Verification History ------------------------------------------------------------


def _statuses(ws: Workspace, user_id: str) -> list[str]:
    return [h.status for h in ws.engine.store.history(user_id)]


def test_history_of_a_successful_login(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, CUSTOM_SITE, user.username)
    [entry] = ws.engine.store.history(user.id)
    assert (entry.status, entry.identifier, entry.use_case, entry.method) == (
        CHALLENGED, out.identifier, LOGIN, "SMS"
    )
    assert entry.site_id == ws.custom_site.id and entry.username == user.username
    assert entry.at == ws.engine.clock.now()
    ws.engine.verify(out.flow_id, ws.code(user))
    assert _statuses(ws, user.id) == [CHALLENGED, "Succeeded"]


def test_history_of_failures(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    for _ in range(3):
        ws.engine.verify(out.flow_id, "nope")
    ws.engine.verify(out.flow_id, code)
    late = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    ws.engine.advance_clock(15 * 60)
    ws.engine.verify(late.flow_id, ws.code(user))
    ws.engine.resend(late.flow_id)
    ws.engine.verify(late.flow_id, ws.code(user))
    ws.engine.verify(late.flow_id, ws.code(user))
    assert _statuses(ws, user.id) == [
        CHALLENGED, "Failed: invalid code", "Failed: invalid code", "Failed: too many attempts",
        "Failed: too many attempts",
        CHALLENGED, "Failed: code expired",
        CHALLENGED, "Succeeded", "Failed: code already used",
    ]


def test_history_of_refusals_and_rate_limits(ws: Workspace) -> None:
    user = ws.user(Flags(False, False))
    ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert _statuses(ws, user.id) == ["Failed: flag_requirement_unmet"]
    ok = ws.user()
    for _ in range(6):
        ws.engine.start(LOGIN, DEFAULT_SITE, ok.username)
    assert _statuses(ws, ok.id) == [CHALLENGED] * 5 + ["Rate limited"]


def test_history_of_a_registration_names_the_new_user(ws: Workspace) -> None:
    out = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                          new_user=NewUser("reg@example.com", fresh_mobile()))
    res = ws.engine.verify(out.flow_id, ws.code(out.phone or ""))
    entries = [h for h in ws.engine.store.history() if h.username == "reg@example.com"]
    assert [(h.status, h.user_id) for h in entries] == [
        (CHALLENGED, None), ("Succeeded", res.user_id)
    ]


# -- events -----------------------------------------------------------------------------------


def test_each_step_publishes_typed_events_after_commit(ws: Workspace, db_url: str) -> None:
    batches: list[EventBatch] = []
    committed: list[bool] = []
    reader = Store(db_url, secrets=ws.engine.store.secrets)  # a second connection

    def on_batch(batch: EventBatch) -> None:
        ids = {r.id for r in batch.records}
        visible = {r.id for r in reader.events(after_id=min(ids) - 1)}  # type: ignore[operator]
        committed.append(ids <= visible)
        batches.append(batch)

    ws.engine.events.subscribe(on_batch)
    user = ws.user()
    out = ws.engine.start(LOGIN, CUSTOM_SITE, user.username)
    ws.engine.verify(out.flow_id, ws.code(user))
    reader.close()

    assert committed and all(committed), "subscribers only see committed events"
    steps = [[type(e) for e in b.events] for b in batches[-3:]]
    assert steps == [
        [FlowStarted, OtpIssued, HistoryRecorded],
        [HandlerCalled, DeliveryCompleted],
        [FlagsChanged, VerifyAttempted, HistoryRecorded],
    ]
    for b in batches:
        assert [r.kind for r in b.records] == [e.kind for e in b.events]
    flow_events = ws.engine.store.events(flow_id=out.flow_id)
    assert [r.id for r in flow_events] == [r.id for b in batches[-3:] for r in b.records]
    assert all(r.flow_id == out.flow_id and r.site == CUSTOM_SITE for r in flow_events)
    flags = next(e for e in batches[-1].events if isinstance(e, FlagsChanged))
    assert (flags.before, flags.after) == (Flags(True, True), Flags(True, True))


def test_refusals_and_registrations_are_events(ws: Workspace) -> None:
    batches: list[EventBatch] = []
    ws.engine.events.subscribe(batches.append)
    ws.engine.start(LOGIN, DEFAULT_SITE, ws.user(Flags(False, False)).username)
    refused = next(e for e in batches[-1].events if isinstance(e, InitRefused))
    assert refused.reason is Reason.FLAG_REQUIREMENT_UNMET
    assert batches[-1].records[1].result == "flag_requirement_unmet"
    out = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                          new_user=NewUser("ev@example.com", fresh_mobile()))
    ws.engine.verify(out.flow_id, ws.code(out.phone or ""))
    assert any(isinstance(e, UserRegistered) for e in batches[-1].events)


def test_events_are_append_only(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    first = ws.engine.store.events()
    ws.engine.verify(out.flow_id, ws.code(user))
    ws.engine.advance_clock(5)
    after = ws.engine.store.events()
    assert after[: len(first)] == first, "earlier events never change"
    ids = [r.id for r in after]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert after[-1].kind == "clock" and after[-1].data["seconds"] == 5
    newest = ws.engine.store.events(newest_first=True, limit=2)
    assert [r.id for r in newest] == ids[:-3:-1]
    assert list(ws.engine.store.iter_events(batch=3)) == after
    assert ws.engine.store.event_count() == len(after)


def test_no_event_carries_the_otp(ws: Workspace) -> None:
    codes: list[str] = []
    for site in (DEFAULT_SITE, CUSTOM_SITE):
        user = ws.user()
        out = ws.engine.start(LOGIN, site, user.username)
        codes.append(ws.code(user))
        ws.engine.verify(out.flow_id, "12345x")
        ws.engine.resend(out.flow_id)
        codes.append(ws.code(user))
        ws.engine.verify(out.flow_id, codes[-1])
    records = ws.engine.store.events()
    text = json.dumps([[r.summary, r.data, r.result, r.step] for r in records],
                      ensure_ascii=False)
    for code in codes:  # as a number of its own: a long digit run (an id) may hold it by chance
        assert not re.search(rf"(?<!\d){code}(?!\d)", text), code
    handler_calls = [r for r in records if r.kind == "handler_called"]
    assert len(handler_calls) == 4
    for r in handler_calls:
        assert r.data["one_time_password"] == OTP_MASK
        assert OTP_MASK in r.data["default_text"]
        assert r.data["phone_number"].startswith("+1 ")


def test_a_broken_subscriber_never_breaks_a_flow(ws: Workspace) -> None:
    def broken(_batch: EventBatch) -> None:
        raise RuntimeError("subscriber bug")

    ws.engine.events.subscribe(broken)
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert ws.engine.verify(out.flow_id, ws.code(user)).success


# -- threads ----------------------------------------------------------------------------------


def test_eight_threads_verify_one_code_exactly_one_wins(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    barrier = threading.Barrier(8)

    def attempt(_i: int) -> str:
        barrier.wait()
        return ws.engine.verify(out.flow_id, code).verify

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert sorted(results) == ["SUCCESS"] + ["already_used"] * 7
    assert _statuses(ws, user.id).count("Succeeded") == 1


@pytest.mark.sqlite_file
def test_ten_threads_run_flows_on_a_file_database(engine: Engine, tmp_path: Path) -> None:
    site = engine.new_site("Busy")
    users = [
        engine.new_user(f"busy{i}@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                        sites=frozenset({site.id}))
        for i in range(10)
    ]
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def run(i: int) -> int:
        user = users[i]
        barrier.wait()
        done = 0
        try:
            for _ in range(4):
                out = engine.start(LOGIN, "Busy", user.username)
                assert out.ok, out.detail
                engine.verify(out.flow_id, "wrong")
                code = engine.store.inbox(user.mobile, limit=1)[-1].otp
                assert engine.verify(out.flow_id, code or "").success
                done += 1
        except BaseException as exc:
            errors.append(exc)
        return done

    with ThreadPoolExecutor(10) as pool:
        done = list(pool.map(run, range(10)))
    assert errors == [], [str(e) for e in errors]
    assert done == [4] * 10
    assert all(engine.find_user(u.username).flags == Flags(True, False) for u in users)
    assert len([f for f in engine.store.flows() if f["state"] == "verified"]) == 40
    assert (tmp_path / "workspace.db").exists()


def test_workspace_edits_and_flows_from_threads_at_once(ws: Workspace) -> None:
    """The GUI edits while flows run: neither sees 'database is locked' nor a stale cache."""
    user = ws.user()
    stop = threading.Event()
    errors: list[BaseException] = []

    def edit() -> None:
        i = 0
        try:
            while not stop.is_set():
                i += 1
                ws.engine.save_site(replace(ws.default_site, logo_text=f"v{i}"))
        except BaseException as exc:
            errors.append(exc)

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        for _ in range(5):
            out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
            assert ws.engine.verify(out.flow_id, ws.code(user)).success
    finally:
        stop.set()
        editor.join(10)
    assert errors == []


def test_engine_open_on_a_path(tmp_path: Path) -> None:
    eng = Engine.open(str(tmp_path / "plain.db"), throwaway=True)
    try:
        assert eng.store.path == (tmp_path / "plain.db").resolve()
        assert eng.settings.custom_otp_enabled is False  # as in a fresh org
    finally:
        eng.close()
    assert (tmp_path / "plain.db").exists()



def test_two_engines_on_one_file_share_single_use(ws: Workspace) -> None:
    """Two processes on one workspace (say the GUI and `otp-bench run`) hold no common lock:
    single use rests on the conditional UPDATE, and SQLite's busy timeout absorbs contention."""
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    other = Engine(Store(ws.engine.store.url, secrets=ws.engine.store.secrets),
                   ws.engine.clock)
    barrier = threading.Barrier(8)

    def attempt(i: int) -> str:
        barrier.wait()
        return (ws.engine if i % 2 else other).verify(out.flow_id, code).verify

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(attempt, range(8)))
    finally:
        other.close()
    assert sorted(results) == ["SUCCESS"] + ["already_used"] * 7
