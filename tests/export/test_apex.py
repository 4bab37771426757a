"""Apex export: the handler class, its HttpCalloutMock tests and the Named Credential metadata."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from otp_bench.delivery.presets import PRESETS, preset_http
from otp_bench.delivery.rules import Answer, Rule, map_result
from otp_bench.domain.model import ProviderConfig, ProviderKind, Settings
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.export.apex import SIGNATURE, ApexExportError, generate
from otp_bench.export.apex_rules import mock_cases

NS = "{http://soap.sforce.com/2006/04/metadata}"


def _provider(preset: str, name: str | None = None, **http_changes: object) -> ProviderConfig:
    http = {**preset_http(preset), **http_changes}
    return ProviderConfig(
        id="01p000000000001AAA", name=name or f"{preset}-prod", kind=ProviderKind.HTTP,
        http=http, credentials=dict(PRESETS[preset].example_credentials),
    )


def _balanced(apex: str) -> bool:
    """Braces and parentheses balance once string literals and comments are removed."""
    code = re.sub(r"/\*.*?\*/", "", apex, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    code = re.sub(r"'(?:\\.|[^'\\])*'", "''", code)
    return code.count("{") == code.count("}") and code.count("(") == code.count(")")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_exports_a_handler_with_the_exact_signature(preset: str) -> None:
    provider = _provider(preset)
    bundle = generate(provider)
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    header = (f"global class {bundle.class_name} "
              "implements Auth.CustomOneTimePasswordDeliveryHandler")
    assert header in handler
    assert SIGNATURE in handler
    assert SIGNATURE == (
        "global Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(Id userId, "
        "String phoneNumber, String oneTimePassword, String defaultText, Id networkId, "
        "String experienceId)"
    )
    assert f"req.setEndpoint('callout:{bundle.named_credential}" in handler
    assert "catch (System.CalloutException e)" in handler
    assert "return Auth.CustomOneTimePasswordDeliveryResult.EXCEPTION; // the handler threw" \
        in handler
    mapped = {r["result"] for r in provider.http["rules"]}
    for result in mapped:
        assert f"Auth.CustomOneTimePasswordDeliveryResult.{result};" in handler
    assert _balanced(handler)
    assert _balanced(bundle.files[f"classes/{bundle.test_name}.cls"])


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_no_secret_reaches_any_exported_file(preset: str) -> None:
    provider = _provider(preset)
    bundle = generate(provider)
    for path, content in bundle.files.items():
        for key, value in provider.credentials.items():
            assert value not in content, f"{key} leaked into {path}"
    xml = ET.fromstring(bundle.files[
        f"namedCredentials/{bundle.named_credential}.namedCredential-meta.xml"])
    assert xml.find(f"{NS}password") is None
    assert xml.findtext(f"{NS}endpoint") == PRESETS[preset].base_url


def test_the_webhook_preset_maps_all_six_results_and_tests_each() -> None:
    bundle = generate(_provider("webhook"))
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    test = bundle.files[f"classes/{bundle.test_name}.cls"]
    for result in DeliveryResult:
        assert f"Auth.CustomOneTimePasswordDeliveryResult.{result.value}" in handler
        assert f"assertEquals(Auth.CustomOneTimePasswordDeliveryResult.{result.value}," in test
    assert "implements HttpCalloutMock" in test
    assert "Test.setMock(HttpCalloutMock.class, mock)" in test
    assert "throw new CalloutException('Read timed out')" in test or "'Read timed out'" in test


def test_twilio_rules_become_if_else_on_status_and_json() -> None:
    bundle = generate(_provider("twilio"))
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    assert ("if (status >= 400 && status <= 499 && hasValue(root, new List<Object>{'code'}, "
            "new Set<String>{'21211', '21614', '21217'})) {") in handler
    assert "return Auth.CustomOneTimePasswordDeliveryResult.COUNTRY_BLOCK;" in handler
    # the form body translated, the OTP never hard-coded, the number in E.164
    assert "'To=' + EncodingUtil.urlEncode(e164(phoneNumber), 'UTF-8')" in handler
    # account SID sits in the URL: a placeholder with a TODO, never the value
    assert "private static final String CRED_ACCOUNT_SID = 'REPLACE_ME';" in handler
    nc = ET.fromstring(bundle.files[f"namedCredentials/{bundle.named_credential}"
                                    ".namedCredential-meta.xml"])
    assert nc.findtext(f"{NS}protocol") == "Password"
    assert nc.findtext(f"{NS}generateAuthorizationHeader") == "true"  # Basic SID:token


def test_body_credentials_become_merge_fields() -> None:
    bundle = generate(_provider("vonage"))
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    assert "'api_key={!$Credential.Username}&api_secret={!$Credential.Password}&from='" in handler
    nc = ET.fromstring(bundle.files[f"namedCredentials/{bundle.named_credential}"
                                    ".namedCredential-meta.xml"])
    assert nc.findtext(f"{NS}allowMergeFieldsInBody") == "true"
    assert nc.findtext(f"{NS}generateAuthorizationHeader") == "false"
    bearer = generate(_provider("sinch"))
    assert "req.setHeader('Authorization', 'Bearer {!$Credential.Password}');" in bearer.files[
        f"classes/{bearer.class_name}.cls"]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_mock_expectations_are_the_bench_mapping(preset: str) -> None:
    rules = tuple(Rule.from_dict(r) for r in preset_http(preset)["rules"])
    cases = mock_cases(rules)
    # every preset rule is reachable: each gets its own test method
    assert sum(c.name.startswith("rule") for c in cases) == len(rules)
    assert {c.expected for c in cases} >= {r.result for r in rules}
    for case in cases:
        if case.status is not None:
            result, _ = map_result(rules, Answer(status=case.status, body=case.body.encode()))
            assert result is case.expected, case


def test_untranslatable_templates_are_refused_by_name() -> None:
    with pytest.raises(ApexExportError, match=r"body: .*blocks"):
        generate(_provider("sinch", body='{% if sender %}{"a": 1}{% endif %}'))
    with pytest.raises(ApexExportError, match="filter 'reverse'"):
        generate(_provider("sinch", body='{"a": {{ sender | reverse | tojson }}}'))
    scripted = ProviderConfig(id="01p000000000002AAA", name="always-ok")
    with pytest.raises(ApexExportError, match="scripted"):
        generate(scripted)
    with pytest.raises(ApexExportError, match="class name"):
        generate(_provider("twilio"), class_name="Bad Name")


def test_names_come_from_the_provider() -> None:
    bundle = generate(_provider("twilio", name="twilio sandbox"))
    assert (bundle.class_name, bundle.test_name, bundle.named_credential) == (
        "TwilioSandboxOtpHandler", "TwilioSandboxOtpHandlerTest", "TwilioSandbox")
    assert set(bundle.files) == {
        "classes/TwilioSandboxOtpHandler.cls", "classes/TwilioSandboxOtpHandler.cls-meta.xml",
        "classes/TwilioSandboxOtpHandlerTest.cls",
        "classes/TwilioSandboxOtpHandlerTest.cls-meta.xml",
        "namedCredentials/TwilioSandbox.namedCredential-meta.xml", "README.md",
    }


def test_cli_writes_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from otp_bench.cli import main
    from otp_bench.engine.engine import Engine

    monkeypatch.setenv("OTP_BENCH_SECRETS", "file")  # keep the test off the desktop keyring
    db = tmp_path / "ws.db"
    engine = Engine.open(str(db), throwaway=True)
    engine.save_settings(Settings(custom_otp_enabled=True))
    engine.save_provider(_provider("twilio", name="twilio-prod"))
    engine.close()
    out = tmp_path / "apex"
    assert main(["export", "apex", "twilio-prod", str(out), "--db", str(db)]) == 0
    assert (out / "classes" / "TwilioProdOtpHandler.cls").is_file()
    assert "namedCredentials" in capsys.readouterr().out
    assert main(["export", "apex", "nope", str(out), "--db", str(db)]) == 2
    assert "no provider named 'nope'" in capsys.readouterr().err
