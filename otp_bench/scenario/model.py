"""A parsed, validated scenario file (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otp_bench.domain.vocabulary import UseCase


class ScenarioError(ValueError):
    """An invalid scenario file; the message names file, line and field."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        where = file + (f":{line}" if line else "") + (f": {field}" if field else "")
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.field = field
        self.message = message


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
class Scenario:
    file: Path
    name: str
    settings: dict[str, Any]
    providers: tuple[dict[str, Any], ...]
    sites: tuple[dict[str, Any], ...]
    users: tuple[dict[str, Any], ...]
    steps: tuple[Step, ...]
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False)
    connected_apps: tuple[dict[str, Any], ...] = ()

    def line(self, *path: str | int) -> int:
        from otp_bench.scenario.yamlpos import line_of

        return line_of(self.lines, path)
