"""Flows as explicit state machines: only the listed transitions exist."""

from __future__ import annotations

import pytest

from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.states import (
    FLOW_SPECS,
    TRANSITIONS,
    FlowState,
    IllegalTransition,
    Step,
    advance,
    can,
)


def test_every_use_case_has_a_spec() -> None:
    assert set(FLOW_SPECS) == set(UseCase)
    assert {uc for uc, s in FLOW_SPECS.items() if not s.existing_user} == {
        uc for uc in UseCase if uc.registers_user
    }
    assert {uc for uc, s in FLOW_SPECS.items() if s.headless_gate} == {
        uc for uc in UseCase if uc.is_headless
    }


def test_terminal_states_take_no_step() -> None:
    for state in (FlowState.REFUSED, FlowState.VERIFIED):
        for step in Step:
            assert not can(state, step)
            with pytest.raises(IllegalTransition, match=state.value):
                advance(state, step)


def test_a_challenged_flow() -> None:
    assert advance(FlowState.CHALLENGED, Step.WRONG_CODE) is FlowState.CHALLENGED
    assert advance(FlowState.CHALLENGED, Step.LOCK) is FlowState.LOCKED
    assert advance(FlowState.LOCKED, Step.RESEND) is FlowState.ISSUED
    assert not can(FlowState.ISSUED, Step.VERIFIED)
    assert all(isinstance(v, FlowState) for v in TRANSITIONS.values())
