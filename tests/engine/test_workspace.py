"""Editing the workspace through the engine: validation that names the field, the custom →
default switch that needs confirmation and is logged, handlers only with the feature on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from otp_bench.domain.events import SiteHandlerSwitched
from otp_bench.domain.model import OtpPolicy, ProviderKind, Settings
from otp_bench.domain.vocabulary import DeliveryResult, UseCase
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.engine.workspace import NeedsConfirmation, ValidationError
from tests.engine.helpers import CUSTOM_HANDLER, CUSTOM_SITE, Workspace, fresh_mobile


def test_switching_custom_to_default_needs_confirmation_and_is_logged(ws: Workspace) -> None:
    batches: list[EventBatch] = []
    ws.engine.events.subscribe(batches.append)
    back = replace(ws.custom_site, provider_id=None)
    with pytest.raises(NeedsConfirmation, match="not recommended"):
        ws.engine.save_site(back)
    assert ws.engine.handler_name(ws.engine.find_site(CUSTOM_SITE)) == CUSTOM_HANDLER, \
        "nothing saved"
    assert batches == []

    ws.engine.save_site(back, confirm=True)
    assert ws.engine.find_site(CUSTOM_SITE).provider_id is None
    [switch] = [e for b in batches for e in b.events if isinstance(e, SiteHandlerSwitched)]
    assert (switch.before, switch.after, switch.warning) == (CUSTOM_HANDLER, None,
                                                              "not recommended")
    [stored] = [r for r in ws.engine.store.events() if r.kind == "handler_switched"]
    assert stored.data["warning"] == "not recommended"
    assert "Salesforce default provider" in stored.summary and stored.site == CUSTOM_SITE
    # and the site now delivers through the default provider
    user = ws.user()
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username)
    assert ws.inbox(user)[-1].sender == "Salesforce" and out.handler == (
        "Salesforce default provider"
    )


def test_default_to_custom_needs_no_confirmation(ws: Workspace) -> None:
    custom = ws.engine.provider_ref(CUSTOM_HANDLER)
    ws.engine.save_site(replace(ws.default_site, provider_id=custom))
    [stored] = [r for r in ws.engine.store.events() if r.kind == "handler_switched"]
    assert stored.data["warning"] == ""


def test_a_handler_needs_the_feature(engine: Engine) -> None:
    engine.save_settings(Settings(custom_otp_enabled=False))
    engine.new_provider("p", result=DeliveryResult.SUCCESS)
    with pytest.raises(ValidationError) as err:
        engine.new_site("Shop", handler="p")
    assert err.value.field == "handler" and "isn't enabled" in err.value.message
    assert engine.store.site_by_name("Shop") is None
    site = engine.new_site("Shop")  # without a handler it's fine: the default provider
    assert site.provider_id is None


def test_a_handler_must_exist(engine: Engine) -> None:
    with pytest.raises(ValidationError, match="no provider named 'ghost'") as err:
        engine.new_site("Shop", handler="ghost")
    assert err.value.field == "handler"


@pytest.mark.parametrize("bad", ["555", "4155552671", "+1 555 0100", "+999 123", "x" * 300])
def test_a_bad_mobile_is_refused_naming_the_field(engine: Engine, bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        engine.new_user("ana@example.com", mobile=bad)
    assert err.value.field == "mobile"
    assert str(err.value).startswith("mobile: ")
    assert engine.store.user_by_username("ana@example.com") is None


def test_mobiles_are_stored_as_e164(engine: Engine) -> None:
    user = engine.new_user("ana@example.com", mobile="+1 (415) 555-2671")
    assert user.mobile == "+14155552671"
    assert engine.find_user("ana@example.com").mobile == "+14155552671"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"brand_color": "blue"}, "brand_color"), ({"url_prefix": "a b"}, "url_prefix")],
)
def test_site_validation(engine: Engine, kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        engine.new_site("Shop", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_site_needs_a_name(engine: Engine) -> None:
    with pytest.raises(ValidationError) as err:
        engine.new_site("  ")
    assert err.value.field == "name"


def test_user_validation(engine: Engine) -> None:
    with pytest.raises(ValidationError) as err:
        engine.new_user("not-an-email")
    assert err.value.field == "username"
    engine.new_user("ana@example.com")
    with pytest.raises(ValidationError, match="taken") as err:
        engine.new_user("ANA@example.com")
    assert err.value.field == "username"
    with pytest.raises(ValidationError) as err:
        engine.new_user("bo@example.com", sites=frozenset({"0DB000000000001AAA"}))
    assert err.value.field == "sites" and "0DB000000000001AAA" in err.value.message


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (Settings(otp=OtpPolicy(digits=3)), "otp.digits"),
        (Settings(otp=OtpPolicy(ttl_seconds=0)), "otp.ttl_seconds"),
        (Settings(otp=OtpPolicy(max_codes_per_hour=0)), "otp"),
        (Settings(callout_timeout_seconds=121), "callout_timeout_seconds"),
        (Settings(callout_timeout_seconds=0), "callout_timeout_seconds"),
    ],
)
def test_settings_validation(engine: Engine, settings: Settings, field: str) -> None:
    before = engine.settings
    with pytest.raises(ValidationError) as err:
        engine.save_settings(settings)
    assert err.value.field == field
    assert engine.settings == before


def test_a_provider_in_use_cant_be_deleted(ws: Workspace) -> None:
    provider = ws.engine.store.provider_by_name(CUSTOM_HANDLER)
    assert provider is not None
    with pytest.raises(ValidationError, match=CUSTOM_SITE):
        ws.engine.delete_provider(provider.id)


def test_renaming_a_provider_follows_into_its_sites(ws: Workspace) -> None:
    provider = ws.engine.store.provider_by_name(CUSTOM_HANDLER)
    assert provider is not None
    before = ws.engine.find_site(CUSTOM_SITE)
    ws.engine.save_provider(replace(provider, name="renamed"))
    assert ws.engine.find_site(CUSTOM_SITE) == before, "the site points by id: untouched"
    assert ws.engine.handler_name(ws.engine.find_site(CUSTOM_SITE)) == "renamed"
    user = ws.user()
    assert ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, user.username).ok
    assert ws.inbox(user)[-1].sender == "renamed"


def test_a_changed_provider_result_takes_effect(ws: Workspace) -> None:
    provider = ws.engine.store.provider_by_name(CUSTOM_HANDLER)
    assert provider is not None
    ws.engine.save_provider(replace(provider, result=DeliveryResult.COUNTRY_BLOCK))
    out = ws.engine.start(UseCase.PASSWORDLESS_LOGIN, CUSTOM_SITE, ws.user().username)
    assert out.delivery is DeliveryResult.COUNTRY_BLOCK


def test_deleting_a_site_drops_its_memberships(ws: Workspace) -> None:
    user = ws.user()
    ws.engine.delete_site(ws.custom_site.id)
    assert ws.engine.find_user(user.username).sites == frozenset({ws.default_site.id})
    assert ws.engine.store.site_by_name(CUSTOM_SITE) is None


def test_workspace_edits_are_events(engine: Engine) -> None:
    engine.new_site("Shop")
    engine.new_user("ana@example.com", mobile=fresh_mobile())
    kinds = [(r.kind, r.data.get("what"), r.data.get("name")) for r in engine.store.events()]
    assert ("workspace", "site", "Shop") in kinds
    assert ("workspace", "user", "ana@example.com") in kinds


def test_an_http_provider_with_a_broken_config_is_refused_naming_the_field(engine: Engine) -> None:
    from otp_bench.domain.model import ProviderKind

    with pytest.raises(ValidationError) as info:
        engine.new_provider("broken", kind=ProviderKind.HTTP, http={"base_url": "ftp://x"})
    assert info.value.field == "http.base_url"
    assert engine.store.provider_by_name("broken") is None


def test_an_http_provider_without_settings_is_refused(engine: Engine) -> None:
    with pytest.raises(ValidationError) as err:
        engine.new_provider("bare", kind=ProviderKind.HTTP)
    assert err.value.field == "http.base_url"
