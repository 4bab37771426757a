"""The closed vocabularies: values are the contract, every code has a sentence."""

from __future__ import annotations

from otp_bench.domain.vocabulary import (
    Channel,
    DeliveryResult,
    License,
    Reason,
    UseCase,
    VerifyMessage,
)

SPEC_REASONS = {
    "internal_user", "custom_otp_not_enabled", "not_site_member", "flag_requirement_unmet",
    "invalid_phone_number", "rate_limited", "invalid_code", "expired", "attempts_exceeded",
    "unknown_identifier", "delivery_failed", "feature_disabled",
}


def test_the_six_results() -> None:
    assert [r.value for r in DeliveryResult] == [
        "SUCCESS", "PROVIDER_ERROR", "EXCEPTION", "INVALID_PHONE_NUMBER", "COUNTRY_BLOCK",
        "MESSAGE_LIMIT_EXCEEDED",
    ]
    assert all(r.meaning for r in DeliveryResult)


def test_spec_reasons_exist_and_read_as_sentences() -> None:
    assert {r.value for r in Reason} >= SPEC_REASONS
    for r in Reason:
        assert r.sentence.endswith(".")


def test_seven_use_cases_with_platform_calls() -> None:
    assert len(UseCase) == 7
    assert all(uc.label and uc.platform_calls for uc in UseCase)
    assert UseCase("headless_passwordless_login").is_headless


def test_licences_and_channels() -> None:
    internal = {lic for lic in License if not lic.is_external}
    assert internal == {License.SALESFORCE, License.SALESFORCE_PLATFORM}
    assert Channel.SMS.security_warning is None
    for ch in (Channel.WHATSAPP, Channel.RCS, Channel.IMESSAGE):
        assert "security" in (ch.security_warning or "")
    assert {m.value for m in VerifyMessage} == {"SUCCESS", "FAILURE", "PENDING", "RATE_LIMITED"}
