"""Flows as explicit state machines: the states, the allowed transitions, the per-use-case spec."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from otp_bench.domain.vocabulary import UseCase


class FlowState(StrEnum):
    STARTED = "started"
    REFUSED = "refused"
    ISSUED = "issued"  # code generated, handler running
    CHALLENGED = "challenged"  # code delivered, waiting for the user
    DELIVERY_FAILED = "delivery_failed"
    VERIFIED = "verified"
    LOCKED = "locked"  # too many wrong codes
    EXPIRED = "expired"


class Step(StrEnum):
    REFUSE = "refuse"
    ISSUE = "issue"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    WRONG_CODE = "wrong_code"
    LOCK = "lock"
    EXPIRE = "expire"
    VERIFIED = "verified"
    RESEND = "resend"


_S, _T = FlowState, Step
TRANSITIONS: dict[tuple[FlowState, Step], FlowState] = {
    (_S.STARTED, _T.REFUSE): _S.REFUSED,
    (_S.STARTED, _T.ISSUE): _S.ISSUED,
    (_S.ISSUED, _T.DELIVERED): _S.CHALLENGED,
    (_S.ISSUED, _T.DELIVERY_FAILED): _S.DELIVERY_FAILED,
    (_S.CHALLENGED, _T.WRONG_CODE): _S.CHALLENGED,
    (_S.CHALLENGED, _T.LOCK): _S.LOCKED,
    (_S.CHALLENGED, _T.EXPIRE): _S.EXPIRED,
    (_S.CHALLENGED, _T.VERIFIED): _S.VERIFIED,
    (_S.CHALLENGED, _T.RESEND): _S.ISSUED,
    (_S.DELIVERY_FAILED, _T.RESEND): _S.ISSUED,
    (_S.EXPIRED, _T.RESEND): _S.ISSUED,
    (_S.LOCKED, _T.RESEND): _S.ISSUED,
}


class IllegalTransition(RuntimeError):
    def __init__(self, state: FlowState, step: Step) -> None:
        super().__init__(f"a flow in state {state.value!r} can't take step {step.value!r}")
        self.state = state
        self.step = step


def advance(state: FlowState, step: Step) -> FlowState:
    try:
        return TRANSITIONS[(state, step)]
    except KeyError:
        raise IllegalTransition(state, step) from None


def can(state: FlowState, step: Step) -> bool:
    return (state, step) in TRANSITIONS


# a stored flow's columns back as members by a dict lookup: ``UseCase(value)`` is a Python-level
# call (``EnumType.__call__`` and ``__new__``), made several times per flow
_USE_CASES: dict[str, UseCase] = {u._value_: u for u in UseCase}
_STATES: dict[str, FlowState] = {s._value_: s for s in FlowState}


def use_case_of(value: str) -> UseCase:
    found = _USE_CASES.get(value)
    return found if found is not None else UseCase(value)  # not one: the enum's own error


def state_of(value: str) -> FlowState:
    found = _STATES.get(value)
    return found if found is not None else FlowState(value)


@dataclass(frozen=True)
class FlowSpec:
    """How a use case differs from the others, as data."""

    existing_user: bool  # False: a registration that creates the user on success
    needs_membership: bool
    headless_gate: str | None = None  # Site attribute that must be true
    may_change_mobile: bool = False


FLOW_SPECS: dict[UseCase, FlowSpec] = {
    UseCase.SELF_REGISTRATION: FlowSpec(existing_user=False, needs_membership=False),
    UseCase.PASSWORDLESS_REGISTRATION: FlowSpec(existing_user=False, needs_membership=False),
    UseCase.HEADLESS_PASSWORDLESS_REGISTRATION: FlowSpec(
        existing_user=False, needs_membership=False, headless_gate="headless_registration"
    ),
    UseCase.PASSWORDLESS_LOGIN: FlowSpec(existing_user=True, needs_membership=True),
    UseCase.HEADLESS_PASSWORDLESS_LOGIN: FlowSpec(
        existing_user=True, needs_membership=True, headless_gate="headless_passwordless_login"
    ),
    UseCase.VERIFICATION_METHOD_REGISTRATION: FlowSpec(
        existing_user=True, needs_membership=True, may_change_mobile=True
    ),
    UseCase.VERIFICATION: FlowSpec(existing_user=True, needs_membership=True),
}
