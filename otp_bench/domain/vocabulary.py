"""The platform's closed vocabularies: licences, use cases, delivery results, refusal reasons.

These values are the contract (SPEC §1): scenario files, reports and the UI all use them by value.
"""

from __future__ import annotations

from enum import StrEnum


class License(StrEnum):
    CUSTOMER_COMMUNITY = "customer_community"
    CUSTOMER_COMMUNITY_PLUS = "customer_community_plus"
    PARTNER_COMMUNITY = "partner_community"
    EXTERNAL_IDENTITY = "external_identity"
    SALESFORCE = "salesforce"
    SALESFORCE_PLATFORM = "salesforce_platform"

    @property
    def is_external(self) -> bool:
        return self not in (License.SALESFORCE, License.SALESFORCE_PLATFORM)


class UseCase(StrEnum):
    """The seven use cases; the value is the scenario file's ``flow`` name."""

    SELF_REGISTRATION = "self_registration"
    PASSWORDLESS_REGISTRATION = "passwordless_registration"
    HEADLESS_PASSWORDLESS_REGISTRATION = "headless_passwordless_registration"
    PASSWORDLESS_LOGIN = "passwordless_login"
    HEADLESS_PASSWORDLESS_LOGIN = "headless_passwordless_login"
    VERIFICATION_METHOD_REGISTRATION = "verification_method_registration"
    VERIFICATION = "verification"

    @property
    def registers_user(self) -> bool:
        return self in _REGISTERING

    @property
    def is_headless(self) -> bool:
        return self in (
            UseCase.HEADLESS_PASSWORDLESS_LOGIN,
            UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
        )

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def platform_calls(self) -> str:
        return _CALLS[self]


_REGISTERING = frozenset(
    {
        UseCase.SELF_REGISTRATION,
        UseCase.PASSWORDLESS_REGISTRATION,
        UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
    }
)

_LABELS = {
    UseCase.SELF_REGISTRATION: "Self-registration",
    UseCase.PASSWORDLESS_REGISTRATION: "Passwordless registration",
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: "Headless passwordless registration",
    UseCase.PASSWORDLESS_LOGIN: "Passwordless login",
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: "Headless passwordless login",
    UseCase.VERIFICATION_METHOD_REGISTRATION: "Verification method registration",
    UseCase.VERIFICATION: "Verification (incl. MFA)",
}

_CALLS = {
    UseCase.SELF_REGISTRATION: "initSelfRegistration / verifySelfRegistration",
    UseCase.PASSWORDLESS_REGISTRATION: "initSelfRegistration / verifySelfRegistration",
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: (
        "POST /services/auth/headless/init/registration, /services/oauth2/authorize, "
        "/services/oauth2/token"
    ),
    UseCase.PASSWORDLESS_LOGIN: "initPasswordlessLogin / verifyPasswordlessLogin",
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: (
        "POST /services/auth/headless/init/passwordless/login, /services/oauth2/authorize, "
        "/services/oauth2/token"
    ),
    UseCase.VERIFICATION_METHOD_REGISTRATION: (
        "initRegisterVerificationMethod / verifyRegisterVerificationMethod"
    ),
    UseCase.VERIFICATION: "initVerificationMethod / verifyVerificationMethod",
}


class DeliveryResult(StrEnum):
    """``Auth.CustomOneTimePasswordDeliveryResult``: exactly these six values."""

    SUCCESS = "SUCCESS"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    EXCEPTION = "EXCEPTION"
    INVALID_PHONE_NUMBER = "INVALID_PHONE_NUMBER"
    COUNTRY_BLOCK = "COUNTRY_BLOCK"
    MESSAGE_LIMIT_EXCEEDED = "MESSAGE_LIMIT_EXCEEDED"

    @property
    def meaning(self) -> str:
        return _RESULT_MEANING[self]


_RESULT_MEANING = {
    DeliveryResult.SUCCESS: "the OTP message was successfully sent to the user",
    DeliveryResult.PROVIDER_ERROR: "an error with the custom OTP service",
    DeliveryResult.EXCEPTION: "the handler threw an exception",
    DeliveryResult.INVALID_PHONE_NUMBER: "the phone number isn't valid",
    DeliveryResult.COUNTRY_BLOCK: "the phone number has a country code that isn't supported",
    DeliveryResult.MESSAGE_LIMIT_EXCEEDED: "the site reached the message limit of its licence",
}


class VerifyMessage(StrEnum):
    """``Auth.VerificationResult.message`` values."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    PENDING = "PENDING"
    RATE_LIMITED = "RATE_LIMITED"


class Reason(StrEnum):
    """Stable refusal codes. A new code may be added; none is ever renamed."""

    INTERNAL_USER = "internal_user"
    CUSTOM_OTP_NOT_ENABLED = "custom_otp_not_enabled"
    NOT_SITE_MEMBER = "not_site_member"
    FLAG_REQUIREMENT_UNMET = "flag_requirement_unmet"
    INVALID_PHONE_NUMBER = "invalid_phone_number"
    RATE_LIMITED = "rate_limited"
    INVALID_CODE = "invalid_code"
    EXPIRED = "expired"
    ATTEMPTS_EXCEEDED = "attempts_exceeded"
    UNKNOWN_IDENTIFIER = "unknown_identifier"
    DELIVERY_FAILED = "delivery_failed"
    FEATURE_DISABLED = "feature_disabled"
    ALREADY_USED = "already_used"
    USERNAME_TAKEN = "username_taken"
    UNKNOWN_USER = "unknown_user"
    ACCOUNT_LOCKED = "account_locked"

    @property
    def sentence(self) -> str:
        return _REASON_SENTENCE[self]


_REASON_SENTENCE = {
    Reason.INTERNAL_USER: (
        "Internal users (Salesforce licences) can't use Experience Cloud SMS identity verification."
    ),
    Reason.CUSTOM_OTP_NOT_ENABLED: (
        "The site names a custom OTP handler, but Support hasn't enabled custom OTP delivery "
        "for the org."
    ),
    Reason.NOT_SITE_MEMBER: "The user isn't a member of this Experience Cloud site.",
    Reason.FLAG_REQUIREMENT_UNMET: (
        "The user's mobile number doesn't meet the verification requirement of this use case."
    ),
    Reason.INVALID_PHONE_NUMBER: "The mobile number is missing or isn't a valid phone number.",
    Reason.RATE_LIMITED: "Too many codes were requested for this user within the hour.",
    Reason.INVALID_CODE: "The code entered doesn't match.",
    Reason.EXPIRED: "The code has expired.",
    Reason.ATTEMPTS_EXCEEDED: "Too many wrong codes: this code no longer works.",
    Reason.UNKNOWN_IDENTIFIER: "No verification attempt has this identifier.",
    Reason.DELIVERY_FAILED: "The OTP couldn't be delivered: the handler didn't return SUCCESS.",
    Reason.FEATURE_DISABLED: "This use case isn't enabled on the site.",
    Reason.ALREADY_USED: "This code was already used; a code verifies once.",
    Reason.USERNAME_TAKEN: "A user with this username already exists.",
    Reason.UNKNOWN_USER: "No user has this username.",
    Reason.ACCOUNT_LOCKED: (
        "Too many failed codes for this account (counted across codes): verification is locked "
        "for a while (bench assumption: 10 failures, 15 minutes — a workspace setting)."
    ),
}


class Channel(StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"
    RCS = "rcs"
    IMESSAGE = "imessage"

    @property
    def security_warning(self) -> str | None:
        if self is Channel.SMS:
            return None
        return (
            f"Delivering OTPs over {self.name.title()} is allowed, but consider the security "
            "implications: the channel, not Salesforce, decides who can read the code."
        )
