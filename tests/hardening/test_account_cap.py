"""Failed codes are capped per account across codes (P9 / OTP-5; the per-code rule stays).

Reproduced first: an attacker got 15 guesses an hour per account (5 codes × 3 attempts, the count
restarting with every new code). Now the 11th failure since the last success finds the account
locked for 15 minutes (bench assumption: Salesforce's default password policy, 10 / 15 min),
even with the right code; a success or the end of the lockout starts the count again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from otp_bench.domain.model import OtpPolicy
from otp_bench.domain.vocabulary import Reason, UseCase
from otp_bench.engine.account_lock import locked_until
from otp_bench.engine.clock import FrozenClock
from tests.engine.helpers import DEFAULT_SITE, Workspace, make_workspace

LOGIN = UseCase.PASSWORDLESS_LOGIN


def _guess_until_refused(ws: Workspace, username: str, phone: str) -> tuple[list[str], str]:
    """Guess wrong on fresh codes (a new flow when one locks) until a refusal that isn't the
    per-code rule; answer every result and the live code of the last flow."""
    results: list[str] = []
    out = ws.engine.start(LOGIN, DEFAULT_SITE, username)
    while len(results) < 20:
        r = ws.engine.verify(out.flow_id, "000000").verify
        results.append(r)
        if r == Reason.ACCOUNT_LOCKED.value:
            break
        if r == Reason.ATTEMPTS_EXCEEDED.value:
            out = ws.engine.start(LOGIN, DEFAULT_SITE, username)
    return results, ws.code(phone)


def test_eleventh_failure_across_codes_is_locked_even_with_the_right_code(ws: Workspace) -> None:
    clock = ws.engine.clock
    assert isinstance(clock, FrozenClock)
    user = ws.user()  # the default policy: 5 codes an hour, 3 attempts a code
    results, _ = _guess_until_refused(ws, user.username, user.mobile or "")
    failures = [r for r in results if r != Reason.ACCOUNT_LOCKED.value]
    assert len(failures) == 10 and results[-1] == Reason.ACCOUNT_LOCKED.value
    # the right code of the 5th challenge (the hour's last) doesn't get through the lock
    clock.advance(60)
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    locked = ws.engine.verify(out.flow_id, ws.code(user))
    assert not locked.success and locked.verify == Reason.ACCOUNT_LOCKED.value
    # 15 minutes after the 10th failure the same code verifies
    clock.advance(14 * 60)
    assert ws.engine.verify(out.flow_id, ws.code(user)).success


def test_success_resets_the_count(ws: Workspace) -> None:
    ws.engine.save_settings(ws.engine.settings.with_(otp=OtpPolicy(max_codes_per_hour=20)))
    user = ws.user()
    for _ in range(6):  # 12 failures in all, but a success after every 2: never locked
        out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
        for _ in range(2):
            assert ws.engine.verify(out.flow_id, "000000").verify == "invalid_code"
        assert ws.engine.verify(out.flow_id, ws.code(user)).success


def test_the_cap_is_a_setting(engine) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(engine)
    engine.save_settings(engine.settings.with_(otp=OtpPolicy(account_max_failures=2)))
    user = ws.user()
    out = engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert [engine.verify(out.flow_id, "000000").verify for _ in range(3)] == [
        "invalid_code", "invalid_code", "account_locked"]
    engine.save_settings(engine.settings.with_(otp=OtpPolicy(account_max_failures=0)))
    assert engine.verify(out.flow_id, ws.code(user)).success  # 0: the cap is off


def test_locked_until_rules() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    p = OtpPolicy()
    fails = [(t0 + timedelta(minutes=i), "Failed: invalid code") for i in range(10)]
    assert locked_until(fails[:9], t0 + timedelta(minutes=10), p) is None
    assert locked_until(fails, t0 + timedelta(minutes=10), p) == t0 + timedelta(minutes=24)
    assert locked_until(fails, t0 + timedelta(minutes=24), p) is None
    assert locked_until([*fails, (t0 + timedelta(minutes=11), "Succeeded")],
                        t0 + timedelta(minutes=12), p) is None
    # expired or unknown codes aren't guesses
    other = [(t0, "Failed: code expired")] * 20
    assert locked_until(other, t0, p) is None


def test_scenario_files_set_the_cap() -> None:
    from otp_bench.scenario.loader import load_scenario_text
    from otp_bench.workspace_files.apply import settings_from

    sc = load_scenario_text("name: cap\nsettings:\n  otp: {account_max_failures: 4, "
                            "account_lockout: 30m}\n", "cap.yaml")
    policy = settings_from(sc.settings).otp
    assert (policy.account_max_failures, policy.account_lockout_seconds) == (4, 1800)
