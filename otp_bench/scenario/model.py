"""A parsed, validated scenario file (SPEC §3): a workspace file plus steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from otp_bench.domain.vocabulary import UseCase
from otp_bench.workspace_files.errors import ScenarioError
from otp_bench.workspace_files.model import WorkspaceFile

__all__ = ["ClockStep", "Expect", "FlowStep", "Scenario", "ScenarioError", "Step"]


@dataclass(frozen=True)
class Expect:
    init: str | None = None
    delivery: str | None = None
    delivery_set: bool = False  # ``delivery: null`` is an expectation too
    verify: str | None = None
    verify_set: bool = False
    flags: dict[str, bool] | None = None


@dataclass(frozen=True)
class FlowStep:
    index: int
    line: int
    flow: UseCase
    site: str
    user: str | None = None
    new_user: dict[str, str] | None = None
    mobile: str | None = None
    codes: tuple[str, ...] = ("from_phone",)
    verify: bool = True  # ``code: none`` only inits
    wait: float = 0.0
    resend: int = 0
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True)
class ClockStep:
    index: int
    line: int
    seconds: float


Step = FlowStep | ClockStep


@dataclass(frozen=True)
class Scenario(WorkspaceFile):
    """A workspace file plus the steps that run against it."""

    steps: tuple[Step, ...] = ()
