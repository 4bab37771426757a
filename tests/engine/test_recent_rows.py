"""A process reads its own recent flows, codes and history without SQL on SQLite (store.recent),
and never decides on them once another process wrote: every case below has a second engine on
the same workspace change what the first one holds, and the first must see it. The decisions
are the same on PostgreSQL, which reads inside the step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from otp_bench.domain.flags import Flags
from otp_bench.domain.model import OtpPolicy, Settings
from otp_bench.domain.vocabulary import DeliveryResult, Reason
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.engine.helpers import DEFAULT_SITE, Workspace

LOGIN = "passwordless_login"


@pytest.fixture
def other(ws: Workspace) -> Iterator[Engine]:
    """A second process on the same workspace (its own connections and copies)."""
    eng = Engine(Store(ws.engine.store.url, secrets=ws.engine.store.secrets),
                 ws.engine.clock)
    yield eng
    eng.close()


def test_a_code_used_by_another_process_is_refused_here(ws: Workspace, other: Engine) -> None:
    user = ws.user(Flags(True, False))
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    assert other.verify(out.flow_id, code).success  # the other process verifies first
    again = ws.engine.verify(out.flow_id, code)
    assert not again.success and again.reason is Reason.ALREADY_USED


def test_wrong_codes_entered_elsewhere_count_here(ws: Workspace, other: Engine) -> None:
    user = ws.user(Flags(True, False))
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    wrong = "000000" if code != "000000" else "111111"
    policy = ws.engine.settings.otp
    for _ in range(policy.max_failed_attempts):
        other.verify(out.flow_id, wrong)
    here = ws.engine.verify(out.flow_id, code)
    assert not here.success and here.reason is Reason.ATTEMPTS_EXCEEDED


def test_the_hourly_limit_counts_codes_issued_by_another_process(
        ws: Workspace, other: Engine) -> None:
    user = ws.user(Flags(True, False))
    limit = ws.engine.settings.otp.max_codes_per_hour
    for _ in range(limit - 1):  # this process learns the subject's codes
        assert ws.engine.start(LOGIN, DEFAULT_SITE, user.username).ok
    assert other.start(LOGIN, DEFAULT_SITE, user.username).ok  # the last one, elsewhere
    refused = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert refused.reason is Reason.RATE_LIMITED


def test_an_account_locked_by_failures_elsewhere_is_locked_here(
        ws: Workspace, other: Engine) -> None:
    ws.engine.save_settings(Settings(custom_otp_enabled=True, otp=OtpPolicy(
        account_max_failures=2, max_failed_attempts=5)))
    user = ws.user(Flags(True, False))
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    wrong = "000000" if code != "000000" else "111111"
    assert not ws.engine.verify(out.flow_id, wrong).success  # this process reads the history
    assert not other.verify(out.flow_id, wrong).success  # the second failure, elsewhere
    here = ws.engine.verify(out.flow_id, code)
    assert not here.success and here.reason is Reason.ACCOUNT_LOCKED


def test_a_failed_step_leaves_no_copy_behind(ws: Workspace) -> None:
    user = ws.user(Flags(True, False))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), ws.engine.store.transaction() as tx:
        from otp_bench.store.activity import FlowRecord

        now = ws.engine.clock.now()
        tx.add_flow(FlowRecord("f-rolled-back", LOGIN, ws.default_site.id, user.id,
                               user.username, "issued", "x", None, "", None, None, now, None,
                               None))
        raise Boom
    with ws.engine.store.transaction() as tx:
        assert tx.flow("f-rolled-back") is None


@pytest.mark.sqlite_file
@pytest.mark.parametrize("custom", [False, True], ids=["default provider", "custom handler"])
def test_a_verify_after_an_init_here_reads_nothing_back(engine: Engine, custom: bool) -> None:
    """The point of the copies: on SQLite a verify of a flow this process started runs no
    SELECT once the account's history was read (it still writes, and single use is still
    checked by the UPDATE itself). A custom handler's result updates the flow in a step of its
    own: the copy follows it."""
    engine.new_provider("ok", result=DeliveryResult.SUCCESS)
    site = engine.new_site("S", handler="ok" if custom else None)
    user = engine.new_user("u@example.com", mobile="+14152001234", flags=Flags(True, True),
                           sites=frozenset({site.id}))
    assert user.mobile is not None

    def flow() -> tuple[str, str]:
        out = engine.start(LOGIN, "S", user.username)
        assert out.ok
        code = engine.store.inbox(user.mobile, limit=1)[-1].otp
        assert code is not None
        return out.flow_id, code

    first = flow()
    assert engine.verify(*first).success  # the account's history is read here, once
    flow_id, code = flow()
    raw = engine.store._step_conn().connection.dbapi_connection
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    try:
        assert engine.verify(flow_id, code).success
    finally:
        raw.set_trace_callback(None)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")
               and "last_insert_rowid" not in s]
    assert selects == [], selects
    assert any(s.lstrip().upper().startswith("UPDATE CHALLENGES") for s in seen)
