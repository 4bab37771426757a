"""Two real otp-bench processes on one workspace decide as one would, on SQLite and PostgreSQL.

Each process keeps its own caches; what one commits, the other's next decision honours: the
hourly code limit holds under a race, a code is used once, a flag update is never lost, a deleted
user can't verify, and ``Carol@`` and ``carol@`` can't both be saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from otp_bench.domain.flags import Flags
from otp_bench.domain.model import Settings
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, fresh_mobile, make_workspace
from tests.store.procs import Agent

LOGIN = "passwordless_login"
TRIALS = 20


@pytest.fixture
def owner(any_db_url: str) -> Iterator[Engine]:
    """The first instance: it sets the workspace up (real secrets, shared through the key)."""
    eng = Engine(Store(any_db_url))  # the bench clock, as the other processes use
    eng.save_settings(Settings(custom_otp_enabled=True))
    make_workspace(eng)
    yield eng
    eng.close()


@pytest.fixture
def two(owner: Engine) -> Iterator[tuple[Agent, Agent]]:
    a, b = Agent(owner.store.url), Agent(owner.store.url)
    yield a, b
    a.close()
    b.close()


BOTH = Flags(True, True)


def _user(owner: Engine, name: str, flags: Flags = BOTH) -> tuple[str, str]:
    sites = frozenset(s.id for s in owner.store.sites())
    mobile = fresh_mobile()
    owner.new_user(name, mobile=mobile, flags=flags, sites=sites)
    return name, owner.find_user(name).mobile or ""


def test_the_hourly_limit_holds_when_two_processes_race(owner: Engine) -> None:
    users = [_user(owner, f"race{i}@example.com")[0] for i in range(TRIALS)]
    a, b = Agent(owner.store.url), Agent(owner.store.url)  # after the users: no catch-up needed
    try:
        issued = []
        for user in users:  # 2 processes × 5 inits for one user, at once
            a.send(op="starts", n=5, use_case=LOGIN, site=DEFAULT_SITE, user=user)
            b.send(op="starts", n=5, use_case=LOGIN, site=DEFAULT_SITE, user=user)
            reasons = a.answer() + b.answer()
            issued.append(reasons.count(None))
            assert reasons.count("rate_limited") == 10 - issued[-1]
    finally:
        a.close()
        b.close()
    assert issued == [5] * TRIALS  # 5 codes an hour, in 20 of 20 trials


def test_a_code_is_used_once_across_processes(owner: Engine,
                                              two: tuple[Agent, Agent]) -> None:
    a, b = two
    for i in range(5):
        user, mobile = _user(owner, f"once{i}@example.com")
        out = owner.start(LOGIN, CUSTOM_SITE, user)
        code = owner.store.inbox(mobile)[-1].otp
        a.send(op="verify", flow_id=out.flow_id, code=code)
        b.send(op="verify", flow_id=out.flow_id, code=code)
        results = [a.answer(), b.answer()]
        assert sorted(r["success"] for r in results) == [False, True], results
        assert [r["reason"] for r in results if not r["success"]] == ["already_used"]


def test_a_flag_update_made_elsewhere_is_not_lost(owner: Engine) -> None:
    user, mobile = _user(owner, "flags@example.com", Flags(True, False))
    a, b = Agent(owner.store.url), Agent(owner.store.url)  # both cache admin_verified=False
    try:
        # A: a custom-handler login sets admin_verified
        out = a.ask(op="start", use_case=LOGIN, site=CUSTOM_SITE, user=user)
        assert a.ask(op="verify", flow_id=out["flow_id"],
                     code=a.ask(op="code", mobile=mobile))["success"]
        # B still holds admin_verified=False; its default-provider registration sets
        # user_verified and must keep A's admin_verified
        out = b.ask(op="start", use_case="verification_method_registration", site=DEFAULT_SITE,
                    user=user)
        assert out["reason"] is None, out
        assert b.ask(op="verify", flow_id=out["flow_id"],
                     code=b.ask(op="code", mobile=mobile))["success"]
    finally:
        a.close()
        b.close()
    fresh = Store(owner.store.url)
    assert fresh.user_by_username(user).flags == Flags(True, True)  # type: ignore[union-attr]
    fresh.close()


def test_a_user_deleted_elsewhere_cannot_verify(owner: Engine) -> None:
    user, mobile = _user(owner, "gone@example.com")
    other = Agent(owner.store.url)  # B knows the user
    try:
        out = other.ask(op="start", use_case=LOGIN, site=DEFAULT_SITE, user=user)
        code = other.ask(op="code", mobile=mobile)
        owner.delete_user(owner.find_user(user).id)  # A deletes it meanwhile
        got = other.ask(op="verify", flow_id=out["flow_id"], code=code)
    finally:
        other.close()
    assert got == {"success": False, "reason": "unknown_identifier"}


def test_usernames_differing_only_by_case_cannot_both_be_saved(
    owner: Engine, two: tuple[Agent, Agent]
) -> None:
    a, b = two  # both started before either user exists: their caches can't see the clash
    mob_a, mob_b = fresh_mobile(), fresh_mobile()
    first = a.ask(op="new_user", username="Carol@example.com", site=DEFAULT_SITE,
                  mobile=mob_a, flags=[True, False])
    second = b.ask(op="new_user", username="carol@example.com", site=DEFAULT_SITE,
                   mobile=mob_b, flags=[True, False])
    assert "id" in first
    assert "already exists" in second["error"], second
    fresh = Store(owner.store.url)
    assert [u.username for u in fresh.users()] == ["Carol@example.com"]
    fresh.close()


def test_what_one_process_commits_the_other_decides_on(owner: Engine) -> None:
    """Every stale-copy case of the issue: B started before A's changes, then decides."""
    b = Agent(owner.store.url)
    try:
        start = {"op": "start", "use_case": LOGIN, "site": DEFAULT_SITE,
                 "user": "late@example.com"}
        assert "no user" in b.ask(**start)["error"]  # not there yet
        _user(owner, "late@example.com", Flags(False, False))  # A creates it
        assert b.ask(**start)["reason"] == "flag_requirement_unmet"  # B sees it, flags too
        u = owner.find_user("late@example.com")
        owner.save_user(replace(u, flags=Flags(True, False)))  # A sets the flag
        assert b.ask(**start)["reason"] is None
        settings = owner.settings
        owner.save_settings(replace(settings, otp=replace(settings.otp, max_codes_per_hour=1)))
        assert b.ask(**start)["reason"] == "rate_limited"  # A's hourly limit holds in B
        owner.delete_user(u.id)  # A deletes it
        assert "no user" in b.ask(**start)["error"]
    finally:
        b.close()
