"""Where Apex comes from: a file, a folder, an sfdx project with its metadata."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from otp_bench.apex import ApexSource, SourceError, load_program

NAMED_CREDENTIAL = """<?xml version="1.0" encoding="UTF-8"?>
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <allowMergeFieldsInBody>true</allowMergeFieldsInBody>
    <allowMergeFieldsInHeader>false</allowMergeFieldsInHeader>
    <endpoint>https://rest-ww.telesign.com/v1/messaging</endpoint>
    <generateAuthorizationHeader>true</generateAuthorizationHeader>
    <label>Telesign SMS</label>
    <principalType>NamedUser</principalType>
    <protocol>Password</protocol>
    <username>CUSTOMER-ID</username>
</NamedCredential>
"""
NEW_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <allowMergeFieldsInBody>false</allowMergeFieldsInBody>
    <allowMergeFieldsInHeader>false</allowMergeFieldsInHeader>
    <generateAuthorizationHeader>true</generateAuthorizationHeader>
    <label>Twilio</label>
    <namedCredentialParameters>
        <parameterName>Url</parameterName>
        <parameterType>Url</parameterType>
        <parameterValue>https://api.twilio.com</parameterValue>
    </namedCredentialParameters>
    <namedCredentialType>SecuredEndpoint</namedCredentialType>
</NamedCredential>
"""
RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <label>Default</label>
    <protected>false</protected>
    <values>
        <field>Sender__c</field>
        <value xsi:type="xsd:string">+15005550006</value>
    </values>
    <values>
        <field>Max_Attempts__c</field>
        <value xsi:type="xsd:double">3.0</value>
    </values>
    <values>
        <field>Enabled__c</field>
        <value xsi:type="xsd:boolean">true</value>
    </values>
    <values>
        <field>Note__c</field>
        <value xsi:nil="true"/>
    </values>
</CustomMetadata>
"""


def test_an_sfdx_project_gives_classes_credentials_and_records(tmp_path: Path) -> None:
    base = tmp_path / "force-app" / "main" / "default"
    (base / "classes").mkdir(parents=True)
    (base / "classes" / "A.cls").write_text("public class A {}")
    (base / "namedCredentials").mkdir()
    (base / "namedCredentials" / "Telesign_SMS.namedCredential-meta.xml").write_text(
        NAMED_CREDENTIAL)
    (base / "namedCredentials" / "Twilio.namedCredential-meta.xml").write_text(NEW_STYLE)
    (base / "customMetadata").mkdir()
    (base / "customMetadata" / "Sms_Settings.Default.md-meta.xml").write_text(RECORD)
    source = ApexSource.from_paths(tmp_path)
    assert list(source.files) == ["force-app/main/default/classes/A.cls"]
    assert source.named_credentials == {
        "Telesign_SMS": {"url": "https://rest-ww.telesign.com/v1/messaging",
                         "username": "CUSTOMER-ID", "generate_authorization_header": True,
                         "allow_merge_fields": True},
        "Twilio": {"url": "https://api.twilio.com", "generate_authorization_header": True,
                   "allow_merge_fields": False}}
    assert source.custom_metadata == {"Sms_Settings__mdt": {"Default": {
        "DeveloperName": "Default", "MasterLabel": "Default", "Label": "Default",
        "Sender__c": "+15005550006", "Max_Attempts__c": Decimal("3.0"), "Enabled__c": True,
        "Note__c": None}}}
    assert load_program(source).classes["a"].name == "A"


def test_the_digest_follows_the_content(tmp_path: Path) -> None:
    f = tmp_path / "A.cls"
    f.write_text("public class A {}")
    first = ApexSource.from_paths(f).digest
    f.write_text("public class A { }")
    assert ApexSource.from_paths(f).digest != first


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.txt", "x", "not an Apex class file"),
    ("missing.cls", None, "no such file or folder"),
])
def test_paths_that_are_not_apex_are_one_clear_error(
        tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(SourceError, match=message):
        ApexSource.from_paths(path)


def test_a_folder_without_classes_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no Apex classes"):
        ApexSource.from_paths(tmp_path)


def test_malformed_metadata_xml_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "A.cls").write_text("public class A {}")
    (tmp_path / "X.namedCredential-meta.xml").write_text("<NamedCredential>")
    with pytest.raises(SourceError, match="not valid XML"):
        ApexSource.from_paths(tmp_path)
