"""Flows against the platform contract: the seed flag tables, the use-case mapping, what a
failed delivery leaves behind, and the workspace changing under a running flow (SPEC §1).
Scope rules and refusal order: test_flows_scope.py."""

from __future__ import annotations

import threading

import pytest

from otp_bench.delivery.base import DeliveryHandler, DeliveryReport
from otp_bench.domain.errors import NotFound
from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser
from otp_bench.domain.vocabulary import DeliveryResult, License, UseCase
from otp_bench.engine.engine import Engine
from tests.engine.helpers import CUSTOM_SITE, DEFAULT_SITE, Workspace, fresh_mobile

FLAG_COMBOS = [Flags(False, False), Flags(True, False), Flags(False, True), Flags(True, True)]

# SPEC §1, transcribed independently of otp_bench.domain.flags so the two are checked against
# each other. requirement(flags) -> bool; post = (user_verified, admin_verified), None = unchanged.
_EITHER = staticmethod(lambda f: f.user_verified or f.admin_verified)
_USER = staticmethod(lambda f: f.user_verified)
_NONE = staticmethod(lambda f: True)
SPEC_TABLE = {
    # row: (custom requirement, custom post, default requirement, default post)
    "self-registration": (_NONE, (None, True), _NONE, (True, None)),
    "passwordless login": (_EITHER, (None, True), _USER, (True, None)),
    "registration": (_NONE, (None, True), _NONE, (True, None)),
    "verification": (_EITHER, (None, True), _USER, (True, None)),
}
EXISTING_USER_ROWS = {
    "passwordless login": [UseCase.PASSWORDLESS_LOGIN, UseCase.HEADLESS_PASSWORDLESS_LOGIN],
    "registration": [UseCase.VERIFICATION_METHOD_REGISTRATION],
    "verification": [UseCase.VERIFICATION],
}
REGISTRATIONS = [
    UseCase.SELF_REGISTRATION, UseCase.PASSWORDLESS_REGISTRATION,
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
]


def _expect(row: str, custom: bool, flags: Flags) -> tuple[bool, Flags]:
    c_req, c_post, d_req, d_post = SPEC_TABLE[row]
    req, post = (c_req, c_post) if custom else (d_req, d_post)
    after = Flags(
        flags.user_verified if post[0] is None else post[0],
        flags.admin_verified if post[1] is None else post[1],
    )
    return bool(req.__func__(flags)), after  # type: ignore[attr-defined]


def _row_cases() -> list[tuple[str, UseCase, bool, Flags]]:
    return [
        (row, uc, custom, flags)
        for row, ucs in EXISTING_USER_ROWS.items() for uc in ucs
        for custom in (True, False) for flags in FLAG_COMBOS
    ]


@pytest.mark.parametrize(
    ("row", "use_case", "custom", "flags"), _row_cases(),
    ids=lambda v: v.value if isinstance(v, UseCase) else (
        ("custom" if v else "default") if isinstance(v, bool) else
        (f"uv={int(v.user_verified)},av={int(v.admin_verified)}" if isinstance(v, Flags) else v)
    ),
)
def test_seed_flag_table_for_existing_users(
    ws: Workspace, row: str, use_case: UseCase, custom: bool, flags: Flags
) -> None:
    met, after = _expect(row, custom, flags)
    user = ws.user(flags)
    out = ws.engine.start(use_case, ws.site(custom).name, user.username)
    if not met:
        assert out.init == "flag_requirement_unmet"
        assert "required" in out.detail
        assert ws.calls == [], "the handler must not be called when the requirement is unmet"
        assert ws.inbox(user) == [], "no code may reach the phone"
        assert out.identifier is None and out.delivery is None and out.callouts == ()
        assert ws.engine.find_user(user.username).flags == flags
        assert ws.engine.verify(out.flow_id, "000000").verify == "unknown_identifier"
        return
    assert out.init == "ok", out.detail
    assert out.delivery is DeliveryResult.SUCCESS
    assert len(ws.calls) == 1
    res = ws.engine.verify(out.flow_id, ws.code(user))
    assert res.verify == "SUCCESS" and res.success
    assert res.flags_before == flags
    assert res.flags_after == after
    assert ws.engine.find_user(user.username).flags == after
    # persisted, not just cached: read the row back through a second store on the same file
    from otp_bench.store.store import Store

    other = Store(ws.engine.store.url, secrets=ws.engine.store.secrets)
    try:
        assert other.user_by_id(user.id).flags == after  # type: ignore[union-attr]
    finally:
        other.close()


@pytest.mark.parametrize("use_case", REGISTRATIONS, ids=lambda u: u.value)
@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_registrations_use_the_self_registration_row_and_create_the_user(
    ws: Workspace, use_case: UseCase, custom: bool
) -> None:
    _met, after = _expect("self-registration", custom, Flags())
    mobile = fresh_mobile()
    new = NewUser(f"new-{use_case.value}@example.com", mobile, License.EXTERNAL_IDENTITY,
                  first_name="Nia", last_name="Okafor", email="nia@example.com")
    out = ws.engine.start(use_case, ws.site(custom).name, new_user=new)
    assert out.init == "ok"
    assert ws.engine.store.user_by_username(new.username) is None, "no user before verify"
    res = ws.engine.verify(out.flow_id, ws.code(out.phone or ""))
    assert res.verify == "SUCCESS"
    assert res.flags_after == after
    user = ws.engine.find_user(new.username)
    assert user.flags == after
    assert user.id.startswith("005") and len(user.id) == 18
    assert user.license is License.EXTERNAL_IDENTITY
    assert user.mobile == mobile.replace(" ", "")
    assert user.sites == frozenset({ws.site(custom).id})
    assert (user.first_name, user.last_name, user.email) == ("Nia", "Okafor", "nia@example.com")
    assert (res.auth_code is not None) == use_case.is_headless


def test_headless_login_uses_the_passwordless_login_row(ws: Workspace) -> None:
    admin_only = ws.user(Flags(False, True))
    custom = ws.engine.start(UseCase.HEADLESS_PASSWORDLESS_LOGIN, CUSTOM_SITE, admin_only.username)
    default = ws.engine.start(UseCase.HEADLESS_PASSWORDLESS_LOGIN, DEFAULT_SITE,
                              admin_only.username)
    assert (custom.init, default.init) == ("ok", "flag_requirement_unmet")
    res = ws.engine.verify(custom.flow_id, ws.code(admin_only))
    assert res.flags_after == Flags(False, True)
    assert res.auth_code is not None
    grant = ws.engine.redeem_auth_code(res.auth_code)
    assert grant is not None and grant.user_id == admin_only.id
    assert ws.engine.redeem_auth_code(res.auth_code) is None, "an auth code is exchanged once"


def test_verification_method_registration_moves_the_user_to_the_new_number(
    ws: Workspace,
) -> None:
    user = ws.user(Flags(False, False))
    new_mobile = fresh_mobile()
    out = ws.engine.start(UseCase.VERIFICATION_METHOD_REGISTRATION, DEFAULT_SITE, user.username,
                          mobile=new_mobile)
    assert out.phone == new_mobile.replace(" ", "")
    assert ws.inbox(user) == []
    res = ws.engine.verify(out.flow_id, ws.code(out.phone or ""))
    assert res.success
    assert ws.engine.find_user(user.username).mobile == out.phone


# -- delivery failures ------------------------------------------------------------------------


@pytest.mark.parametrize("result", [r for r in DeliveryResult if r is not DeliveryResult.SUCCESS])
def test_a_failed_delivery_kills_the_challenge(ws: Workspace, result: DeliveryResult) -> None:
    ws.provider("down", result)
    site = ws.engine.new_site("Down Site", handler="down")
    user = ws.user(sites=(site,))
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, site.name, user.username)
    assert out.init == "delivery_failed"
    assert out.delivery is result
    assert out.identifier is not None
    [call] = ws.calls
    assert ws.inbox(user) == [], "no code reaches the phone"
    res = ws.engine.verify(out.flow_id, call.one_time_password)
    assert res.verify == "unknown_identifier"
    assert ws.engine.verify_identifier(out.identifier, call.one_time_password).verify == (
        "unknown_identifier"
    )
    assert ws.engine.find_user(user.username).flags == user.flags
    statuses = [h.status for h in ws.engine.store.history(user.id)]
    assert f"Failed: OTP delivery ({result.value})" in statuses


def test_a_handler_that_throws_is_EXCEPTION(ws: Workspace) -> None:
    class Boom:
        name = "boom"

        def send_one_time_password(self, *args: str) -> DeliveryReport:
            raise RuntimeError("provider SDK exploded")

    ws.replace_handler(lambda inner: Boom())
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    assert (out.init, out.delivery) == ("delivery_failed", DeliveryResult.EXCEPTION)
    assert "RuntimeError" in out.detail


def test_resend_after_a_failed_delivery_can_succeed(ws: Workspace) -> None:
    results = iter([DeliveryResult.PROVIDER_ERROR, DeliveryResult.SUCCESS])

    class Flaky:
        def __init__(self, inner: DeliveryHandler) -> None:
            self.inner, self.name = inner, inner.name

        def send_one_time_password(self, *args: str) -> DeliveryReport:
            r = next(results)
            if r is DeliveryResult.SUCCESS:
                return self.inner.send_one_time_password(*args)
            return DeliveryReport(r)

    ws.replace_handler(Flaky)
    user = ws.user()
    first = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    assert first.init == "delivery_failed"
    again = ws.engine.resend(first.flow_id)
    assert again.ok and again.identifier != first.identifier
    assert ws.engine.verify(first.flow_id, ws.code(user)).success


# -- bad references ---------------------------------------------------------------------------


def test_unknown_site_user_and_flow_are_named(ws: Workspace) -> None:
    user = ws.user()
    with pytest.raises(NotFound, match="Nowhere"):
        ws.engine.start(UseCase.PASSWORDLESS_LOGIN, "Nowhere", user.username)
    with pytest.raises(NotFound, match=r"ghost@example\.com"):
        ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, "ghost@example.com")
    with pytest.raises(NotFound, match="flw_missing"):
        ws.engine.resend("flw_missing")
    assert ws.engine.verify("flw_missing", "123456").verify == "unknown_identifier"
    assert ws.engine.verify_identifier("nope", "123456").verify == "unknown_identifier"


def test_lookups_accept_ids_and_names(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, ws.default_site.id, user.id)
    assert out.ok and out.username == user.username


def test_verify_while_the_handler_is_still_running(engine: Engine) -> None:
    """The identifier isn't the client's until init returns: an early verify is refused
    cleanly, never with a crash, and the flow still completes once delivery finishes."""
    site = engine.new_site("Slow")
    user = engine.new_user("slow@example.com", mobile=fresh_mobile(), flags=Flags(True, True),
                           sites=frozenset({site.id}))
    inside, release = threading.Event(), threading.Event()
    seen: list[str] = []
    original = engine.handler_for

    class Slow:
        name = "slow"

        def __init__(self, inner: DeliveryHandler) -> None:
            self.inner = inner

        def send_one_time_password(self, *args: str) -> DeliveryReport:
            seen.append(args[2])
            inside.set()
            assert release.wait(10)
            return self.inner.send_one_time_password(*args)

    engine.handler_for = lambda s: Slow(original(s))  # type: ignore[method-assign]
    outcome: list[object] = []
    t = threading.Thread(
        target=lambda: outcome.append(engine.start("passwordless_login", "Slow", user.username))
    )
    t.start()
    assert inside.wait(10)
    flow_id = engine.store.flows()[0]["id"]
    early = engine.verify(flow_id, seen[0])
    release.set()
    t.join(10)
    assert not early.success and early.verify == "unknown_identifier"
    [out] = outcome
    assert out.ok  # type: ignore[attr-defined]
    assert engine.verify(flow_id, seen[0]).success


# -- the workspace changing under a running flow ----------------------------------------------


def test_two_registrations_race_for_one_username(ws: Workspace) -> None:
    new = NewUser("race@example.com", fresh_mobile())
    first = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE, new_user=new)
    code1 = ws.code(first.phone or "")
    second = ws.engine.start(UseCase.SELF_REGISTRATION, CUSTOM_SITE, new_user=new)
    code2 = ws.code(second.phone or "")
    assert (first.init, second.init) == ("ok", "ok")  # nobody holds the name yet
    assert ws.engine.verify(first.flow_id, code1).success
    late = ws.engine.verify(second.flow_id, code2)
    assert (late.success, late.verify) == (False, "username_taken")
    assert [u.username for u in ws.engine.store.users()].count("race@example.com") == 1
    assert ws.engine.find_user("race@example.com").flags == Flags(True, False)  # the first's


def test_a_user_deleted_during_the_flow(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
    code = ws.code(user)
    ws.engine.delete_user(user.id)
    res = ws.engine.verify(out.flow_id, code)
    assert (res.success, res.verify) == (False, "unknown_identifier")
    assert ws.engine.store.user_by_username(user.username) is None, "no ghost registration"


def test_a_handler_that_cant_be_built_is_EXCEPTION(ws: Workspace) -> None:
    def unbuildable(_site: object) -> DeliveryHandler:
        raise ValueError("provider 'x': unknown kind 'carrier-pigeon'")

    ws.engine.handler_for = unbuildable  # type: ignore[method-assign,assignment]
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    assert (out.init, out.delivery) == ("delivery_failed", DeliveryResult.EXCEPTION)
    assert "carrier-pigeon" in out.detail
    [flow] = [f for f in ws.engine.store.flows() if f["id"] == out.flow_id]
    assert flow["state"] == "delivery_failed", "the flow isn't left hanging in 'issued'"
