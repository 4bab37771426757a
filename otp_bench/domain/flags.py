"""The seed flag tables (SPEC §1) as one piece of data, and the two rules that read it.

``user_verified`` is TwoFactorMethodsInfo.HasUserVerifiedMobileNumber and ``admin_verified`` is
HasVerifiedMobileNumber. A requirement is checked at init, before any OTP or callout; a post-rule
applies after a successful verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from otp_bench.domain.vocabulary import UseCase


class Row(StrEnum):
    SELF_REGISTRATION = "self-registration"
    PASSWORDLESS_LOGIN = "passwordless login"
    REGISTRATION = "registration"
    VERIFICATION = "verification"


class Requirement(StrEnum):
    NONE = "none"
    USER_VERIFIED = "user_verified"
    EITHER = "user_verified or admin_verified"


@dataclass(frozen=True)
class Flags:
    user_verified: bool = False
    admin_verified: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {"user_verified": self.user_verified, "admin_verified": self.admin_verified}


@dataclass(frozen=True)
class Post:
    """After a successful verify: ``True`` sets the flag, ``None`` leaves it unchanged."""

    user_verified: bool | None
    admin_verified: bool | None

    def apply(self, flags: Flags) -> Flags:
        return Flags(
            user_verified=flags.user_verified if self.user_verified is None else self.user_verified,
            admin_verified=(
                flags.admin_verified if self.admin_verified is None else self.admin_verified
            ),
        )


@dataclass(frozen=True)
class Policy:
    requirement: Requirement
    post: Post


_CUSTOM_POST = Post(user_verified=None, admin_verified=True)
_DEFAULT_POST = Post(user_verified=True, admin_verified=None)

# (row, custom provider?) -> policy. Transcribed from the seed page, one line per table cell pair.
FLAG_TABLE: dict[tuple[Row, bool], Policy] = {
    (Row.SELF_REGISTRATION, True): Policy(Requirement.NONE, _CUSTOM_POST),
    (Row.PASSWORDLESS_LOGIN, True): Policy(Requirement.EITHER, _CUSTOM_POST),
    (Row.REGISTRATION, True): Policy(Requirement.NONE, _CUSTOM_POST),
    (Row.VERIFICATION, True): Policy(Requirement.EITHER, _CUSTOM_POST),
    (Row.SELF_REGISTRATION, False): Policy(Requirement.NONE, _DEFAULT_POST),
    (Row.PASSWORDLESS_LOGIN, False): Policy(Requirement.USER_VERIFIED, _DEFAULT_POST),
    (Row.REGISTRATION, False): Policy(Requirement.NONE, _DEFAULT_POST),
    (Row.VERIFICATION, False): Policy(Requirement.USER_VERIFIED, _DEFAULT_POST),
}

ROW_OF: dict[UseCase, Row] = {
    UseCase.SELF_REGISTRATION: Row.SELF_REGISTRATION,
    UseCase.PASSWORDLESS_REGISTRATION: Row.SELF_REGISTRATION,
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: Row.SELF_REGISTRATION,
    UseCase.PASSWORDLESS_LOGIN: Row.PASSWORDLESS_LOGIN,
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: Row.PASSWORDLESS_LOGIN,
    UseCase.VERIFICATION_METHOD_REGISTRATION: Row.REGISTRATION,
    UseCase.VERIFICATION: Row.VERIFICATION,
}


def policy_for(use_case: UseCase, custom: bool) -> Policy:
    return FLAG_TABLE[(ROW_OF[use_case], custom)]


def requirement_met(requirement: Requirement, flags: Flags) -> bool:
    if requirement is Requirement.NONE:
        return True
    if requirement is Requirement.USER_VERIFIED:
        return flags.user_verified
    return flags.user_verified or flags.admin_verified
