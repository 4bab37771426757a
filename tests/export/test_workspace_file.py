"""Workspace files: readable YAML without secrets; import validates first and is all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from otp_bench.domain.model import OtpPolicy, Settings
from otp_bench.domain.vocabulary import Channel, DeliveryResult, License, UseCase
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import ScenarioError
from otp_bench.store.store import Store
from otp_bench.workspace_files.importer import (
    import_workspace,
    placeholders,
    with_credentials,
)
from otp_bench.workspace_files.writer import PLACEHOLDER, export_workspace, workspace_yaml
from tests.export.conftest import AUTH_TOKEN, Planted


def _engine(tmp_path: Path, name: str) -> Engine:
    return Engine(Store(f"sqlite:///{tmp_path / name}", throwaway=True), FrozenClock())


def _rich(engine: Engine) -> None:
    engine.save_settings(Settings(
        custom_otp_enabled=True, callout_timeout_seconds=20.0, redact=True,
        otp=OtpPolicy(digits=8, ttl_seconds=600, registration_ttl_seconds=3600,
                      max_failed_attempts=5, max_codes_per_hour=10),
    ))
    engine.new_provider("zz-down", result=DeliveryResult.PROVIDER_ERROR)
    engine.new_provider("whatsapp-ok", result=DeliveryResult.SUCCESS, channel=Channel.WHATSAPP)
    a = engine.new_site("Customers", handler="zz-down", headless_passwordless_login=True,
                        url_prefix="cust", brand_color="#112233", logo_text="Cust")
    b = engine.new_site("Alpha Partners", handler="whatsapp-ok", default_region="GB",
                        enabled_use_cases=frozenset({UseCase.PASSWORDLESS_LOGIN,
                                                     UseCase.VERIFICATION}),
                        url_prefix="alpha", logo_text="")
    engine.new_user("zoe@example.com", mobile="+44 7911 123456", license=License.PARTNER_COMMUNITY,
                    first_name="Zoë", last_name="O'Neil | Jr", sites=frozenset({a.id, b.id}))
    engine.new_user("Ana@example.com", mobile="+1 415 555 2671", email="ana@example.com",
                    sites=frozenset({a.id}))
    engine.new_user("ivan@corp.example.com", license=License.SALESFORCE)


def test_export_import_export_gives_the_same_file(tmp_path: Path) -> None:
    first = _engine(tmp_path, "a.db")
    _rich(first)
    path1, path2 = tmp_path / "one.yaml", tmp_path / "two.yaml"
    export_workspace(first.store, str(path1))
    second = _engine(tmp_path, "b.db")
    import_workspace(second, path1)
    export_workspace(second.store, str(path2))
    assert path1.read_text("utf-8") == path2.read_text("utf-8")
    # and it is the same workspace, not just the same text
    zoe = second.store.user_by_username("zoe@example.com")
    assert zoe is not None and zoe.first_name == "Zoë" and len(zoe.sites) == 2
    assert second.settings.otp.digits == 8 and second.settings.callout_timeout_seconds == 20
    alpha = second.store.site_by_name("Alpha Partners")
    assert alpha is not None and alpha.enabled_use_cases == {UseCase.PASSWORDLESS_LOGIN,
                                                             UseCase.VERIFICATION}
    first.close()
    second.close()


def test_file_is_readable_scenario_yaml_with_no_ids_or_times(tmp_path: Path) -> None:
    eng = _engine(tmp_path, "a.db")
    _rich(eng)
    text = workspace_yaml(eng.store)
    doc = yaml.safe_load(text)
    assert list(doc) == ["name", "settings", "providers", "sites", "users"]
    assert [p["name"] for p in doc["providers"]] == ["whatsapp-ok", "zz-down"]
    assert doc["settings"]["otp"]["ttl"] == "10m"
    assert doc["users"][0]["username"] == "Ana@example.com"
    assert doc["users"][0]["sites"] == ["Customers"]
    assert "sites" in doc["users"][1] and doc["users"][1]["sites"] == []
    for site in eng.store.sites():
        assert site.id not in text
    assert "2026" not in text  # no timestamps
    load_scenario(_write(tmp_path, "ws.yaml", text))  # the loader accepts it as a scenario
    eng.close()


def test_credentials_become_placeholders(planted: Planted) -> None:
    text = workspace_yaml(planted.store)
    provider = next(p for p in yaml.safe_load(text)["providers"] if p["name"] == "twilio-sandbox")
    assert provider["credentials"] == {"account_sid": PLACEHOLDER, "api_key": PLACEHOLDER,
                                       "auth_token": PLACEHOLDER}
    assert provider["http"]["auth"] == {"kind": "basic", "username": "account_sid",
                                        "password": "auth_token"}
    assert AUTH_TOKEN not in text


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


BAD_VALUE = """\
name: ws
settings: {custom_otp_enabled: true}
providers:
  - {name: ok, result: SUCCESS}
sites:
  - name: Customers
    handler: ok
  - name: Partners
    brand_color: blue
users:
  - {username: ana@example.com, sites: [Customers]}
"""


def test_import_names_file_line_and_field_and_writes_nothing(tmp_path: Path) -> None:
    eng = _engine(tmp_path, "target.db")
    eng.new_site("Existing", url_prefix="existing")
    before = workspace_yaml(eng.store)
    path = _write(tmp_path, "bad.yaml", BAD_VALUE)
    with pytest.raises(ScenarioError) as err:
        import_workspace(eng, path)
    assert err.value.file == str(path)
    assert err.value.line == 9 and err.value.field == "sites[1].brand_color"
    assert "Partners" in str(err.value) and "#0176d3" in str(err.value)
    assert workspace_yaml(eng.store) == before  # nothing half-imported
    eng.close()


def test_import_of_an_invalid_file_reports_the_loader_error(tmp_path: Path) -> None:
    eng = _engine(tmp_path, "target.db")
    path = _write(tmp_path, "bad.yaml", BAD_VALUE.replace("sites: [Customers]", "sites: [Nope]"))
    with pytest.raises(ScenarioError) as err:
        import_workspace(eng, path)
    assert (err.value.line, err.value.field) == (11, "users[0].sites[0]")
    assert eng.store.sites() == []
    eng.close()


def test_placeholders_are_dropped_or_replaced_by_re_entered_values(tmp_path: Path) -> None:
    path = _write(tmp_path, "ws.yaml", "name: ws\n")
    scenario = load_scenario(path)
    from dataclasses import replace

    scenario = replace(scenario, providers=(
        {"name": "tw", "http": {}, "credentials": {"sid": "AC1", "token": PLACEHOLDER}},
        {"name": "plain", "result": "SUCCESS"},
    ))
    assert placeholders(scenario) == {"tw": ("token",)}
    assert with_credentials(scenario).providers[0]["credentials"] == {"sid": "AC1"}
    filled = with_credentials(scenario, {"tw": {"token": "t0k3n"}})
    assert filled.providers[0]["credentials"] == {"sid": "AC1", "token": "t0k3n"}


HTTP_WORKSPACE = """\
name: http
settings: {custom_otp_enabled: true}
providers:
  - name: twilio-live
    preset: twilio
    endpoint: https://api.twilio.com
    credentials: {account_sid: AC00000000000000000000000000000001, auth_token: s3cr3t-t0ken}
    sender: "+15005550006"
    country_allow_list: [US, GB]
sites:
  - {name: Customers, handler: twilio-live}
"""


def test_http_provider_round_trips_with_credentials_to_re_enter(tmp_path: Path) -> None:
    first = _engine(tmp_path, "a.db")
    import_workspace(first, _write(tmp_path, "http.yaml", HTTP_WORKSPACE))
    one = workspace_yaml(first.store)
    assert "s3cr3t-t0ken" not in one and "AC00000000000000000000000000000001" not in one
    provider = yaml.safe_load(one)["providers"][0]
    assert provider["credentials"] == {"account_sid": PLACEHOLDER, "auth_token": PLACEHOLDER}
    assert provider["http"]["base_url"] == "https://api.twilio.com"
    second = _engine(tmp_path, "b.db")
    report = import_workspace(second, _write(tmp_path, "one.yaml", one))
    assert report.missing_credentials == {"twilio-live": ("account_sid", "auth_token")}
    imported = second.store.provider_by_name("twilio-live")
    assert imported is not None and imported.credentials == {}  # no placeholder as a secret
    assert imported.country_allow_list == ("US", "GB")
    assert workspace_yaml(second.store) == one
    third = _engine(tmp_path, "c.db")
    import_workspace(third, tmp_path / "one.yaml",
                     credentials={"twilio-live": {"account_sid": "AC9", "auth_token": "tok"}})
    entered = third.store.provider_by_name("twilio-live")
    assert entered is not None and entered.credentials == {"account_sid": "AC9",
                                                           "auth_token": "tok"}
    for eng in (first, second, third):
        eng.close()
