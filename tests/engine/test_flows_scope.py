"""Scope rules and the order refusals are checked in (SPEC §1 and the README's decisions):
feature_disabled → internal_user → custom_otp_not_enabled → username_taken → not_site_member
→ invalid_phone_number → flag_requirement_unmet → rate_limited."""

from __future__ import annotations

from dataclasses import replace

import pytest

from otp_bench.domain.flags import Flags
from otp_bench.domain.model import NewUser, Settings
from otp_bench.domain.vocabulary import License, UseCase
from tests.engine.helpers import CUSTOM_HANDLER, CUSTOM_SITE, DEFAULT_SITE, Workspace, fresh_mobile

# -- scope rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("license_", [License.SALESFORCE, License.SALESFORCE_PLATFORM])
@pytest.mark.parametrize("custom", [True, False], ids=["custom", "default"])
def test_internal_users_are_refused(ws: Workspace, license_: License, custom: bool) -> None:
    user = ws.user(license=license_)
    for uc in (UseCase.PASSWORDLESS_LOGIN, UseCase.VERIFICATION):
        out = ws.engine.start(uc, ws.site(custom).name, user.username)
        assert out.init == "internal_user"
    reg = ws.engine.start(UseCase.SELF_REGISTRATION, ws.site(custom).name,
                          new_user=NewUser("staff@example.com", fresh_mobile(), license_))
    assert reg.init == "internal_user"
    assert ws.calls == [] and ws.inbox(user) == []


@pytest.mark.parametrize(
    "license_", [License.CUSTOMER_COMMUNITY, License.CUSTOMER_COMMUNITY_PLUS,
                 License.PARTNER_COMMUNITY, License.EXTERNAL_IDENTITY],
)
def test_every_external_licence_may_use_the_custom_handler(
    ws: Workspace, license_: License
) -> None:
    user = ws.user(license=license_)
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username).ok


def test_custom_otp_not_enabled(ws: Workspace) -> None:
    user = ws.user()
    ws.engine.save_settings(Settings(custom_otp_enabled=False))
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    assert out.init == "custom_otp_not_enabled"
    assert CUSTOM_HANDLER in out.detail
    assert ws.calls == []
    # a site without a handler is untouched by the org setting
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username).ok


def test_not_a_site_member(ws: Workspace) -> None:
    outsider = ws.user(sites=(ws.default_site,))
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, outsider.username)
    assert out.init == "not_site_member"
    assert outsider.username in out.detail and CUSTOM_SITE in out.detail
    assert ws.calls == [] and ws.inbox(outsider) == []


def test_site_without_handler_uses_the_salesforce_default_provider(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username)
    assert out.ok and out.handler == "Salesforce default provider"
    assert out.callouts == () and ws.engine.store.callouts() == []
    [msg] = ws.inbox(user)
    assert msg.sender == "Salesforce" and msg.via == "Salesforce default provider"
    assert msg.otp is not None and msg.otp in msg.body and DEFAULT_SITE in msg.body


def test_custom_handler_gets_the_six_parameters(ws: Workspace) -> None:
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    [call] = ws.calls
    assert call.user_id == user.id
    assert call.phone_number == "+1 " + (user.mobile or "")[2:]  # Salesforce's stored format
    assert call.one_time_password.isdigit() and len(call.one_time_password) == 6
    assert call.one_time_password in call.default_text
    assert call.network_id == ws.custom_site.id
    [msg] = ws.inbox(user)
    assert msg.sender == CUSTOM_HANDLER and msg.otp == call.one_time_password
    assert out.handler == CUSTOM_HANDLER


@pytest.mark.parametrize(
    ("use_case", "gate"),
    [(UseCase.HEADLESS_PASSWORDLESS_LOGIN, "headless_passwordless_login"),
     (UseCase.HEADLESS_PASSWORDLESS_REGISTRATION, "headless_registration")],
)
def test_headless_flow_on_a_site_without_the_setting(
    ws: Workspace, use_case: UseCase, gate: str
) -> None:
    ws.engine.save_site(replace(ws.default_site, **{gate: False}))
    user = ws.user()
    kw = ({"user": user.username} if not use_case.registers_user else
          {"new_user": NewUser("headless@example.com", fresh_mobile())})
    out = ws.engine.start(use_case, DEFAULT_SITE, **kw)  # type: ignore[arg-type]
    assert out.init == "feature_disabled"
    assert gate in out.detail
    assert ws.calls == []


def test_use_case_not_enabled_on_the_site(ws: Workspace) -> None:
    ws.engine.save_site(replace(ws.default_site, enabled_use_cases=frozenset(
        {UseCase.PASSWORDLESS_LOGIN})))
    user = ws.user()
    assert ws.engine.start(UseCase.VERIFICATION, DEFAULT_SITE, user.username).init == (
        "feature_disabled"
    )
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username).ok


# -- refusal order: feature_disabled → internal_user → custom_otp_not_enabled → username_taken
#    → not_site_member → invalid_phone_number → flag_requirement_unmet → rate_limited


def test_feature_disabled_comes_before_internal_user(ws: Workspace) -> None:
    ws.engine.save_site(replace(ws.default_site, headless_passwordless_login=False))
    staff = ws.user(license=License.SALESFORCE)
    out = ws.engine.start(UseCase.HEADLESS_PASSWORDLESS_LOGIN, DEFAULT_SITE, staff.username)
    assert out.init == "feature_disabled"


def test_internal_user_comes_before_custom_otp_not_enabled(ws: Workspace) -> None:
    staff = ws.user(license=License.SALESFORCE_PLATFORM)
    ws.engine.save_settings(Settings(custom_otp_enabled=False))
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, staff.username).init == (
        "internal_user"
    )


def test_custom_otp_not_enabled_comes_before_username_taken(ws: Workspace) -> None:
    taken = ws.user()
    ws.engine.save_settings(Settings(custom_otp_enabled=False))
    out = ws.engine.start(UseCase.SELF_REGISTRATION, CUSTOM_SITE,
                          new_user=NewUser(taken.username, fresh_mobile()))
    assert out.init == "custom_otp_not_enabled"


def test_username_taken_comes_before_invalid_phone_number(ws: Workspace) -> None:
    taken = ws.user()
    out = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                          new_user=NewUser(taken.username.upper(), "not a number"))
    assert out.init == "username_taken"


def test_custom_otp_not_enabled_comes_before_not_site_member(ws: Workspace) -> None:
    outsider = ws.user(sites=())
    ws.engine.save_settings(Settings(custom_otp_enabled=False))
    assert ws.engine.start(UseCase.VERIFICATION, CUSTOM_SITE, outsider.username).init == (
        "custom_otp_not_enabled"
    )


def test_not_site_member_comes_before_invalid_phone_number(ws: Workspace) -> None:
    outsider = ws.user(sites=(), mobile=None)
    assert ws.engine.start(UseCase.VERIFICATION, DEFAULT_SITE, outsider.username).init == (
        "not_site_member"
    )


def test_invalid_phone_number_comes_before_flag_requirement_unmet(ws: Workspace) -> None:
    no_mobile = ws.user(Flags(False, False), mobile=None)
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, no_mobile.username)
    assert out.init == "invalid_phone_number"
    assert "no phone number" in out.detail


def test_flag_requirement_unmet_comes_before_rate_limited(ws: Workspace) -> None:
    user = ws.user(Flags(True, False))
    for _ in range(ws.engine.settings.otp.max_codes_per_hour):
        assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username).ok
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username).init == (
        "rate_limited"
    )
    ws.engine.save_user(replace(ws.engine.find_user(user.username), flags=Flags(False, False)))
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, DEFAULT_SITE, user.username).init == (
        "flag_requirement_unmet"
    )


def test_registration_with_a_bad_mobile(ws: Workspace) -> None:
    for bad in ("12345", "4155552671", "+1 555", "call me"):
        out = ws.engine.start(UseCase.SELF_REGISTRATION, DEFAULT_SITE,
                              new_user=NewUser(f"bad{len(bad)}@example.com", bad))
        assert out.init == "invalid_phone_number", bad
        assert repr(bad.strip()) in out.detail or "no country code" in out.detail
    assert ws.calls == []
