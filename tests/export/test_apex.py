"""Apex export: the handler class, its HttpCalloutMock tests and the Named Credential metadata."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from otp_bench.delivery.presets import PRESETS, preset_http
from otp_bench.domain.model import ProviderConfig, ProviderKind, Settings
from otp_bench.domain.rules import Answer, Rule, map_result
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.export.apex import SIGNATURE, ApexBundle, ApexExportError, generate
from otp_bench.export.apex_rules import mock_cases

NS = "{http://soap.sforce.com/2006/04/metadata}"


def _provider(preset: str, name: str | None = None, **http_changes: object) -> ProviderConfig:
    http = {**preset_http(preset), **http_changes}
    return ProviderConfig(
        id="01p000000000001AAA", name=name or f"{preset}-prod", kind=ProviderKind.HTTP,
        http=http, credentials=dict(PRESETS[preset].example_credentials),
    )


def _nc_url(bundle: ApexBundle) -> str:
    nc = ET.fromstring(bundle.files[
        f"namedCredentials/{bundle.named_credential}.namedCredential-meta.xml"])
    urls = [p.findtext(f"{NS}parameterValue") for p in nc.findall(f"{NS}namedCredentialParameters")
            if p.findtext(f"{NS}parameterType") == "Url"]
    assert len(urls) == 1
    return urls[0] or ""


def _auth_header(bundle: ApexBundle, name: str = "Authorization") -> str:
    ec = ET.fromstring(bundle.files[
        f"externalCredentials/{bundle.external_credential}.externalCredential-meta.xml"])
    values = [p.findtext(f"{NS}parameterValue") for p in ec.findall(
        f"{NS}externalCredentialParameters") if p.findtext(f"{NS}parameterType") == "AuthHeader"
        and p.findtext(f"{NS}parameterName") == name]
    assert len(values) == 1
    return values[0] or ""


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
    mapped = {r.result.value for r in provider.require_http().rules}
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
    expected = PRESETS[preset].base_url if preset != "webhook" else "https://REPLACE-WITH-"
    assert _nc_url(bundle).startswith(expected)


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
    # the account SID sits in the URL: the Named Credential's URL holds it, the class doesn't
    assert "req.setEndpoint('callout:TwilioProd/Messages.json');" in handler
    assert "REPLACE_ME" not in handler
    assert _nc_url(bundle) == "https://api.twilio.com/2010-04-01/Accounts/REPLACE_WITH_ACCOUNT_SID"
    nc = ET.fromstring(bundle.files[f"namedCredentials/{bundle.named_credential}"
                                    ".namedCredential-meta.xml"])
    assert nc.findtext(f"{NS}generateAuthorizationHeader") == "true"  # the EC's Basic header
    assert _auth_header(bundle) == (
        "{!'Basic ' & BASE64ENCODE(BLOB($Credential.TwilioProdAuth.account_sid & ':' & "
        "$Credential.TwilioProdAuth.auth_token))}")
    assert "'Authorization'" not in handler  # Salesforce adds it from the External Credential


def test_body_credentials_become_merge_fields() -> None:
    bundle = generate(_provider("vonage"))
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    assert ("'api_key={!$Credential.VonageProdAuth.api_key}"
            "&api_secret={!$Credential.VonageProdAuth.api_secret}&from='") in handler
    nc = ET.fromstring(bundle.files[f"namedCredentials/{bundle.named_credential}"
                                    ".namedCredential-meta.xml"])
    assert nc.findtext(f"{NS}allowMergeFieldsInBody") == "true"
    assert nc.findtext(f"{NS}generateAuthorizationHeader") == "false"
    bearer = generate(_provider("sinch"))
    assert _auth_header(bearer) == "{!'Bearer ' & $Credential.SinchProdAuth.api_token}"
    assert "'Authorization'" not in bearer.files[f"classes/{bearer.class_name}.cls"]


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
    with pytest.raises(ApexExportError, match="not a declarative HTTP handler"):
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
        "namedCredentials/TwilioSandbox.namedCredential-meta.xml",
        "externalCredentials/TwilioSandboxAuth.externalCredential-meta.xml",
        "permissionsets/TwilioSandboxCallout.permissionset-meta.xml", "README.md",
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


# -- the current Named Credential format, as the Metadata API documents it ----------------------
# Element names per the Metadata API Developer Guide (NamedCredential, ExternalCredential,
# PermissionSet): a SecuredEndpoint credential keeps its URL and External Credential in
# namedCredentialParameters; endpoint, protocol, principalType, username are Legacy-only fields.
NC_FIELDS = {"allowMergeFieldsInBody", "allowMergeFieldsInHeader", "calloutStatus", "description",
             "generateAuthorizationHeader", "label", "namedCredentialParameters",
             "namedCredentialType"}
NC_PARAM_FIELDS = {"certificate", "description", "externalCredential", "outboundNetworkConnection",
                   "parameterName", "parameterType", "parameterValue", "sequenceNumber"}
NC_PARAM_TYPES = {"Url", "Authentication", "HttpHeader", "ClientCertificate",
                  "AllowedManagedPackageNamespaces", "OutboundNetworkConnection"}
EC_FIELDS = {"authenticationProtocol", "description", "externalCredentialParameters", "label"}
EC_PARAM_FIELDS = {"authProvider", "certificate", "description", "externalAuthIdentityProvider",
                   "parameterGroup", "parameterName", "parameterType", "parameterValue",
                   "sequenceNumber"}
EC_PARAM_TYPES = {"AuthHeader", "AuthParameter", "AuthProvider", "AuthProviderUrl",
                  "AuthProviderUrlQueryParameter", "JwtBodyClaim", "JwtHeaderClaim",
                  "NamedPrincipal", "PerUserPrincipal", "SigningCertificate", "AwsStsPrincipal"}
LEGACY_ONLY = {"endpoint", "protocol", "principalType", "username", "password", "authProvider"}


def _children(el: ET.Element) -> list[str]:
    return [c.tag.removeprefix(NS) for c in el]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_credential_metadata_has_the_documented_current_shape(preset: str) -> None:
    bundle = generate(_provider(preset))
    nc = ET.fromstring(bundle.files[
        f"namedCredentials/{bundle.named_credential}.namedCredential-meta.xml"])
    assert nc.tag == f"{NS}NamedCredential"
    assert set(_children(nc)) <= NC_FIELDS and not set(_children(nc)) & LEGACY_ONLY
    assert _children(nc) == sorted(_children(nc))  # as Salesforce retrieves it: alphabetical
    assert nc.findtext(f"{NS}namedCredentialType") == "SecuredEndpoint"
    params = nc.findall(f"{NS}namedCredentialParameters")
    for p in params:
        assert set(_children(p)) <= NC_PARAM_FIELDS
        assert p.findtext(f"{NS}parameterType") in NC_PARAM_TYPES
    auth = [p for p in params if p.findtext(f"{NS}parameterType") == "Authentication"]
    assert [p.findtext(f"{NS}externalCredential") for p in auth] == [bundle.external_credential]
    ec = ET.fromstring(bundle.files[
        f"externalCredentials/{bundle.external_credential}.externalCredential-meta.xml"])
    assert ec.tag == f"{NS}ExternalCredential" and set(_children(ec)) <= EC_FIELDS
    assert ec.findtext(f"{NS}authenticationProtocol") == "Custom"
    principals = []
    for p in ec.findall(f"{NS}externalCredentialParameters"):
        assert set(_children(p)) <= EC_PARAM_FIELDS
        assert p.findtext(f"{NS}parameterType") in EC_PARAM_TYPES
        assert p.findtext(f"{NS}parameterName")
        if p.findtext(f"{NS}parameterType") == "NamedPrincipal":
            principals.append(p.findtext(f"{NS}parameterName"))
        if p.findtext(f"{NS}parameterType") == "AuthHeader":
            # a formula over this External Credential's own parameters, never a value
            value = p.findtext(f"{NS}parameterValue") or ""
            assert value.startswith("{!") and value.endswith("}")
            assert f"$Credential.{bundle.external_credential}." in value
    assert len(principals) == 1
    ps_path = next(k for k in bundle.files if k.startswith("permissionsets/"))
    ps = ET.fromstring(bundle.files[ps_path])
    grant = ps.find(f"{NS}externalCredentialPrincipalAccesses")
    assert grant is not None and grant.findtext(f"{NS}enabled") == "true"
    # dash-joined <ExternalCredential>-<principal>, as the PermissionSet type documents it
    assert grant.findtext(f"{NS}externalCredentialPrincipal") == (
        f"{bundle.external_credential}-{principals[0]}")
    # every merge field the class uses names a parameter of this External Credential
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    for ref in re.findall(r"\{!\$Credential\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\}", handler):
        assert ref[0] == bundle.external_credential and ref[1] in bundle.parameters


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_otp_is_in_the_message_explicitly(preset: str) -> None:
    """Never only via defaultText: its wording is Salesforce's and needn't carry the code."""
    bundle = generate(_provider(preset))
    handler = bundle.files[f"classes/{bundle.class_name}.cls"]
    send = handler[handler.index("HttpRequest req"):handler.index("new Http().send")]
    assert "oneTimePassword" in send
    if "defaultText" not in send:
        return
    # a config that also uses defaultText (Telesign's docs example) names the OTP itself too
    assert re.search(r"urlEncode\(oneTimePassword|serialize\(oneTimePassword", send)


def test_a_config_pointing_at_the_mock_exports_the_production_url_and_says_so() -> None:
    mocked = _provider("twilio", base_url="http://127.0.0.1:42737/~Twilio-sandbox")
    bundle = generate(mocked)
    assert _nc_url(bundle).startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert not any("127.0.0.1" in c for c in bundle.files.values() if not c.startswith("# "))
    assert any("production URL https://api.twilio.com" in n for n in bundle.notes)
    assert "production URL https://api.twilio.com" in bundle.files["README.md"]
    custom = generate(_provider("twilio", base_url="https://twilio-proxy.example.org"))
    assert _nc_url(custom).startswith("https://twilio-proxy.example.org/2010-04-01/Accounts/")
    assert not custom.notes or not any("production URL" in n for n in custom.notes)
    hook = generate(_provider("webhook", base_url="http://localhost:9000"))
    assert _nc_url(hook) == "https://REPLACE-WITH-YOUR-ENDPOINT.example.com"
    assert any("no vendor production URL" in n for n in hook.notes)


def test_form_body_merge_fields_that_need_encoding_are_called_out() -> None:
    safe = generate(_provider("vonage"))
    assert not any("form body" in n for n in safe.notes)
    assert "URL-safe" in safe.files[f"classes/{safe.class_name}.cls"]
    unsafe = _provider("vonage")
    unsafe = ProviderConfig(id=unsafe.id, name=unsafe.name, kind=unsafe.kind, http=unsafe.http,
                            credentials={"api_key": "a1b2c3d4", "api_secret": "p&ss=w+rd"})
    bundle = generate(unsafe)
    assert any("api_secret" in n and "form body" in n for n in bundle.notes)
    assert "p&ss=w+rd" not in "".join(bundle.files.values())
