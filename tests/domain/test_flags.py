"""The flag table as data: requirement and post rules for each row and provider."""

from __future__ import annotations

import pytest

from otp_bench.domain.flags import (
    FLAG_TABLE,
    ROW_OF,
    Flags,
    Post,
    Requirement,
    Row,
    policy_for,
    requirement_met,
)
from otp_bench.domain.vocabulary import UseCase

ALL = [Flags(u, a) for u in (False, True) for a in (False, True)]


def test_every_row_and_provider_has_a_policy() -> None:
    assert set(FLAG_TABLE) == {(r, c) for r in Row for c in (True, False)}
    assert set(ROW_OF) == set(UseCase)


def test_use_case_rows() -> None:
    assert {uc for uc, row in ROW_OF.items() if row is Row.SELF_REGISTRATION} == {
        UseCase.SELF_REGISTRATION, UseCase.PASSWORDLESS_REGISTRATION,
        UseCase.HEADLESS_PASSWORDLESS_REGISTRATION,
    }
    assert ROW_OF[UseCase.HEADLESS_PASSWORDLESS_LOGIN] is Row.PASSWORDLESS_LOGIN
    assert ROW_OF[UseCase.VERIFICATION_METHOD_REGISTRATION] is Row.REGISTRATION
    assert ROW_OF[UseCase.VERIFICATION] is Row.VERIFICATION


@pytest.mark.parametrize("flags", ALL)
def test_requirements(flags: Flags) -> None:
    assert requirement_met(Requirement.NONE, flags)
    assert requirement_met(Requirement.USER_VERIFIED, flags) is flags.user_verified
    assert requirement_met(Requirement.EITHER, flags) is (
        flags.user_verified or flags.admin_verified
    )


@pytest.mark.parametrize("flags", ALL)
@pytest.mark.parametrize("use_case", list(UseCase))
def test_custom_sets_admin_default_sets_user(flags: Flags, use_case: UseCase) -> None:
    custom = policy_for(use_case, True).post.apply(flags)
    default = policy_for(use_case, False).post.apply(flags)
    assert custom == Flags(flags.user_verified, True)
    assert default == Flags(True, flags.admin_verified)


def test_post_none_leaves_a_flag_alone() -> None:
    assert Post(None, None).apply(Flags(True, False)) == Flags(True, False)
    assert Flags(True, False).as_dict() == {"user_verified": True, "admin_verified": False}
