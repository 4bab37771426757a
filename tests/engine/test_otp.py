"""The OTP lifecycle (SPEC §1; research reliability-security §1 OTP-1..7): generation, storage,
lifetime, attempts, rate limit, single use, binding, resend, constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from pathlib import Path
from typing import Any

import pytest

from otp_bench.domain.errors import WrongState
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser, OtpPolicy, Settings
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine import otp
from otp_bench.engine.engine import Engine
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, Workspace, fresh_mobile

LOGIN = UseCase.PASSWORDLESS_LOGIN


# -- generation -------------------------------------------------------------------------------


def test_codes_come_from_secrets_never_random(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the random module must not make OTPs")

    for name in ("random", "randint", "randrange", "choice", "choices", "getrandbits", "sample"):
        monkeypatch.setattr(random, name, refuse)
    calls: list[int] = []
    real = secrets.randbelow
    monkeypatch.setattr(secrets, "randbelow", lambda n: calls.append(n) or real(n))
    codes = [otp.generate(6) for _ in range(5000)]
    assert calls and all(n == 10**6 for n in calls)
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert any(c.startswith("0") for c in codes), "leading zeros are kept"
    assert len(set(codes)) > 4900


def test_a_flow_still_works_with_random_forbidden(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the random module must not make OTPs")

    for name in ("random", "randint", "randrange", "choice", "getrandbits"):
        monkeypatch.setattr(random, name, refuse)
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert ws.engine.verify(out.flow_id, ws.code(user)).success


def test_digits_follow_the_policy(ws: Workspace) -> None:
    ws.engine.save_settings(ws.engine.settings.with_(otp=OtpPolicy(digits=8)))
    user = ws.user()
    ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    assert len(code) == 8 and code.isdigit()


# -- storage ----------------------------------------------------------------------------------


CANARY = "739146"  # a code that no id, timestamp or phone number in the workspace contains


@pytest.mark.sqlite_file
def test_the_code_is_never_stored_in_plaintext(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(otp, "generate", lambda digits=6: CANARY)
    site = engine.new_site("Plain")
    user = engine.new_user("plain@example.com", mobile=fresh_mobile(), flags=Flags(True, False),
                           sites=frozenset({site.id}))
    out = engine.start(LOGIN, "Plain", user.username)
    engine.verify(out.flow_id, "000000")  # a wrong attempt is stored too (as a count)
    [msg] = engine.store.inbox(user.mobile)
    assert msg.otp == CANARY and CANARY in msg.body  # the phone shows it: sealed, not lost
    files = [p for p in tmp_path.iterdir() if p.name.startswith("workspace.db")]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), f"plaintext OTP in {path.name}"
    for rec in engine.store.events():
        assert CANARY not in repr(rec), f"OTP in event {rec.kind}"


def test_codes_are_stored_as_salted_macs(engine: Engine) -> None:
    salt1, salt2 = otp.new_salt(), otp.new_salt()
    assert salt1 != salt2 and len(salt1) == 16
    assert otp.digest("123456", salt1) != otp.digest("123456", salt2)
    assert otp.matches("123456", salt1, otp.digest("123456", salt1))
    assert not otp.matches("123457", salt1, otp.digest("123456", salt1))
    # keyed BLAKE2b as the standard library computes it, behind its version byte
    assert otp.digest("123456", salt1) == b"\x02" + hashlib.blake2b(
        b"123456", key=salt1, digest_size=32).digest()


def test_a_code_stored_by_an_earlier_version_still_verifies() -> None:
    salt = otp.new_salt()
    earlier = hmac.new(salt, b"654321", hashlib.sha256).digest()  # HMAC-SHA256, no version byte
    assert otp.matches("654321", salt, earlier)
    assert not otp.matches("654320", salt, earlier)


def test_comparison_is_constant_time(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert not ws.engine.verify(out.flow_id, "not-it").success
    assert ws.engine.verify(out.flow_id, ws.code(user)).success
    assert len(seen) == 2 and all(isinstance(a, bytes) for a, _ in seen)


# -- lifetime ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("use_case", "ttl"),
    [(UseCase.PASSWORDLESS_LOGIN, 15 * 60), (UseCase.VERIFICATION, 15 * 60),
     (UseCase.HEADLESS_PASSWORDLESS_LOGIN, 15 * 60),
     (UseCase.VERIFICATION_METHOD_REGISTRATION, 24 * 3600)],
    ids=lambda v: v.value if isinstance(v, UseCase) else str(v),
)
def test_lifetime(ws: Workspace, use_case: UseCase, ttl: int) -> None:
    user = ws.user()
    ok = ws.engine.start(use_case, DEFAULT_SITE, user.username)
    ok_code = ws.code(user)
    ws.engine.advance_clock(ttl - 1)
    assert ws.engine.verify(ok.flow_id, ok_code).verify == "SUCCESS"

    late = ws.engine.start(use_case, DEFAULT_SITE, user.username)
    late_code = ws.code(user)
    ws.engine.advance_clock(ttl)
    res = ws.engine.verify(late.flow_id, late_code)
    assert (res.success, res.verify, res.message.value) == (False, "expired", "FAILURE")
    assert ws.engine.verify(late.flow_id, late_code).verify == "expired"  # and stays expired


def test_registration_flows_expire_after_15_minutes(ws: Workspace) -> None:
    out = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                          new_user=NewUser("late@example.com", fresh_mobile()))
    ws.engine.advance_clock(15 * 60)
    assert ws.engine.verify(out.flow_id, ws.code(out.phone or "")).verify == "expired"
    assert ws.engine.store.user_by_username("late@example.com") is None


def test_an_expired_flow_can_resend(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    ws.engine.advance_clock(16 * 60)
    assert ws.engine.verify(out.flow_id, ws.code(user)).verify == "expired"
    assert ws.engine.resend(out.flow_id).ok
    assert ws.engine.verify(out.flow_id, ws.code(user)).success


def test_the_clock_offset_survives_a_reopen(engine: Engine, db_url: str) -> None:
    before = engine.clock.offset_seconds
    engine.advance_clock(600)
    again = Engine.open(db_url, throwaway=True)
    try:
        assert again.clock.offset_seconds == before + 600
    finally:
        again.close()


# -- attempts ---------------------------------------------------------------------------------


def test_two_wrong_codes_then_the_right_one(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    first, second = ws.engine.verify(out.flow_id, wrong), ws.engine.verify(out.flow_id, wrong)
    assert (first.verify, first.attempts_left) == ("invalid_code", 2)
    assert (second.verify, second.attempts_left) == ("invalid_code", 1)
    assert ws.engine.verify(out.flow_id, code).success


def test_the_third_wrong_code_locks_the_challenge(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, CUSTOM_SITE, user.username)
    code = ws.code(user)
    results = [ws.engine.verify(out.flow_id, "wrong!").verify for _ in range(3)]
    assert results == ["invalid_code", "invalid_code", "attempts_exceeded"]
    assert ws.engine.verify(out.flow_id, code).verify == "attempts_exceeded"
    assert ws.engine.verify(out.flow_id, "wrong!").verify == "attempts_exceeded"
    assert ws.engine.find_user(user.username).flags == user.flags
    # a locked flow may ask for a new code, which works
    assert ws.engine.resend(out.flow_id).ok
    assert ws.engine.verify(out.flow_id, ws.code(user)).success


def test_the_attempt_limit_is_a_setting(ws: Workspace) -> None:
    ws.engine.save_settings(ws.engine.settings.with_(otp=OtpPolicy(max_failed_attempts=1)))
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert ws.engine.verify(out.flow_id, "x").verify == "attempts_exceeded"


# -- rate limit -------------------------------------------------------------------------------


def test_five_codes_per_hour_then_rate_limited(ws: Workspace) -> None:
    user = ws.user()
    for _ in range(5):
        assert ws.engine.start(LOGIN, DEFAULT_SITE, user.username).ok
    sixth = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    assert sixth.init == "rate_limited"
    assert len(ws.inbox(user)) == 5 and len(ws.calls) == 5
    assert ws.engine.store.history(user.id)[-1].status == "Rate limited"
    ws.engine.advance_clock(3600)
    assert ws.engine.start(LOGIN, DEFAULT_SITE, user.username).ok


def test_the_window_slides(ws: Workspace) -> None:
    user = ws.user()

    def start() -> str:
        return ws.engine.start(LOGIN, DEFAULT_SITE, user.username).init

    assert [start() for _ in range(3)] == ["ok"] * 3
    ws.engine.advance_clock(30 * 60)
    assert [start() for _ in range(3)] == ["ok", "ok", "rate_limited"]
    ws.engine.advance_clock(30 * 60)  # the first three leave the window, the later two stay
    assert [start() for _ in range(4)] == ["ok", "ok", "ok", "rate_limited"]


def test_resends_count_towards_the_limit(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    for _ in range(4):
        assert ws.engine.resend(out.flow_id).ok
    code = ws.code(user)
    refused = ws.engine.resend(out.flow_id)
    assert refused.init == "rate_limited"
    assert ws.engine.store.history(user.id)[-1].status == "Rate limited"
    assert ws.engine.verify(out.flow_id, code).success, "a refused resend keeps the live code"


def test_registrations_are_limited_per_phone(ws: Workspace) -> None:
    phone = fresh_mobile()
    outs = [
        ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                        new_user=NewUser(f"reg{i}@example.com", phone))
        for i in range(6)
    ]
    assert [o.init for o in outs] == ["ok"] * 5 + ["rate_limited"]


def test_limits_are_per_user(ws: Workspace) -> None:
    a, b = ws.user(), ws.user()
    for _ in range(5):
        ws.engine.start(LOGIN, DEFAULT_SITE, a.username)
    assert ws.engine.start(LOGIN, DEFAULT_SITE, a.username).init == "rate_limited"
    assert ws.engine.start(LOGIN, DEFAULT_SITE, b.username).ok


def test_the_hourly_limit_is_a_setting(ws: Workspace) -> None:
    ws.engine.save_settings(Settings(custom_otp_enabled=True,
                                     otp=OtpPolicy(max_codes_per_hour=2)))
    user = ws.user()
    inits = [ws.engine.start(LOGIN, DEFAULT_SITE, user.username).init for _ in range(3)]
    assert inits == ["ok", "ok", "rate_limited"]


# -- single use, binding, resend --------------------------------------------------------------


def test_a_code_verifies_once(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    assert ws.engine.verify(out.flow_id, code).success
    again = ws.engine.verify(out.flow_id, code)
    assert (again.success, again.verify) == (False, "already_used")
    assert ws.engine.verify_identifier(out.identifier or "", code).verify == "already_used"


def test_a_code_is_bound_to_its_identifier(ws: Workspace) -> None:
    user, other = ws.user(), ws.user()
    a = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code_a = ws.code(user)
    b = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    code_b = ws.code(user)
    c = ws.engine.start(LOGIN, CUSTOM_SITE, other.username)
    code_c = ws.code(other)
    assert len({code_a, code_b, code_c}) == 3 or pytest.skip("codes collided (1 in 10^6)")
    assert ws.engine.verify(a.flow_id, code_b).verify == "invalid_code"
    assert ws.engine.verify_identifier(a.identifier or "", code_c).verify == "invalid_code"
    assert ws.engine.verify(c.flow_id, code_a).verify == "invalid_code"
    assert ws.engine.verify_identifier(b.identifier or "", code_b).success
    assert ws.engine.verify(a.flow_id, code_a).success
    assert ws.engine.verify(c.flow_id, code_c).success


def test_resend_invalidates_the_previous_code(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    old_code = ws.code(user)
    again = ws.engine.resend(out.flow_id)
    new_code = ws.code(user)
    assert again.ok and again.identifier not in (None, out.identifier)
    assert again.flow_id == out.flow_id
    if old_code != new_code:
        assert ws.engine.verify_identifier(out.identifier or "", old_code).verify == "invalid_code"
        assert ws.engine.verify(out.flow_id, old_code).verify == "invalid_code"
    assert ws.engine.verify_identifier(out.identifier or "", new_code).verify == "invalid_code"
    assert ws.engine.verify(out.flow_id, new_code).success


def test_nothing_to_resend_after_success_or_refusal(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(LOGIN, DEFAULT_SITE, user.username)
    ws.engine.verify(out.flow_id, ws.code(user))
    with pytest.raises(WrongState, match="verified"):
        ws.engine.resend(out.flow_id)
    refused = ws.engine.start(LOGIN, DEFAULT_SITE, ws.user(Flags(False, False)).username)
    with pytest.raises(WrongState, match="refused"):
        ws.engine.resend(refused.flow_id)
