"""Running a scenario: set up its workspace, walk its steps, check each expectation.

A run uses a throwaway SQLite workspace in a temporary directory unless a database URL is given,
so it never touches the user's workspace.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otp_bench.domain.errors import InvalidArgument, NotFound
from otp_bench.domain.model import NewUser
from otp_bench.domain.vocabulary import License
from otp_bench.engine.engine import Engine
from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome
from otp_bench.engine.workspace import ValidationError
from otp_bench.scenario.model import ClockStep, FlowStep, Scenario, ScenarioError
from otp_bench.store.store import Store
from otp_bench.workspace_files.apply import apply_workspace
from otp_bench.workspace_files.providers import ScenarioProviders


@dataclass
class StepResult:
    index: int
    line: int
    flow: str
    label: str
    passed: bool = True
    init: str | None = None
    delivery: str | None = None
    verify: str | None = None
    flags: dict[str, bool] | None = None
    callouts: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    flow_id: str | None = None
    handler: str | None = None  # where the handler ended: "returned SUCCESS at line 52", a rule

    def as_dict(self) -> dict[str, Any]:
        out = {
            "index": self.index + 1, "line": self.line, "flow": self.flow, "passed": self.passed,
            "init": self.init, "delivery": self.delivery, "verify": self.verify,
            "flags": self.flags, "callouts": self.callouts, "failures": self.failures,
            "flow_id": self.flow_id,
        }
        if self.handler:
            out["handler"] = self.handler
        return out


@dataclass
class ScenarioResult:
    file: str
    name: str
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None  # set when the scenario couldn't be set up or run

    @property
    def passed(self) -> bool:
        return self.error is None and all(s.passed for s in self.steps)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "name": self.name, "passed": self.passed,
                               "steps": [s.as_dict() for s in self.steps]}
        if self.error:
            out["error"] = self.error
        return out


Progress = Callable[[StepResult], None]


def run_scenario(
    scenario: Scenario, *, db_url: str | None = None, progress: Progress | None = None,
    transport: Any = None, on_ready: Callable[[], object] | None = None,
) -> ScenarioResult:
    """Run ``scenario``; ``on_ready`` is called once its workspace is set up, before any step."""
    result = ScenarioResult(str(scenario.file), scenario.name)
    with tempfile.TemporaryDirectory(prefix="otp-bench-run-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'scenario.db'}"
        engine = Engine(Store(url, throwaway=db_url is None), transport=transport)
        try:
            with ScenarioProviders(engine) as providers:
                try:
                    apply_workspace(engine, scenario, providers)
                except (ValidationError, NotFound, ValueError) as exc:
                    raise ScenarioError(str(scenario.file), 1, "", f"workspace: {exc}") from None
                if on_ready is not None:
                    on_ready()
                for step in scenario.steps:
                    if isinstance(step, ClockStep):
                        engine.advance_clock(step.seconds)
                        continue
                    res = _run_step(engine, scenario, step)
                    result.steps.append(res)
                    if progress:
                        progress(res)
        finally:
            engine.close()
    return result


def _run_step(engine: Engine, scenario: Scenario, step: FlowStep) -> StepResult:
    who = step.user or (step.new_user or {}).get("username", "")
    res = StepResult(step.index, step.line, step.flow.value, f"{step.flow.value} {who}".strip())
    try:
        init = _init(engine, step)
    except (NotFound, InvalidArgument) as exc:
        raise ScenarioError(str(scenario.file), step.line, f"steps[{step.index}]", str(exc)) \
            from None
    res.flow_id = init.flow_id
    for _ in range(step.resend):
        if init.ok:
            init = engine.resend(init.flow_id)
    res.init = init.init
    res.delivery = init.delivery.value if init.delivery else None
    res.handler = init.detail if init.delivery is not None and init.detail else None
    res.callouts = [
        {"method": c.method, "url": c.url, "status": c.status, "result": c.result.value,
         "rule": c.rule, "elapsed_ms": round(c.elapsed_ms, 1), "error": c.error}
        for c in init.callouts
    ]
    if init.ok and step.verify:
        if step.wait:
            engine.advance_clock(step.wait)
        outcome: VerifyOutcome | None = None
        for code in step.codes:
            outcome = engine.verify(init.flow_id, _code(engine, init, code))
        res.verify = outcome.verify if outcome else None
    username = step.user or (step.new_user or {}).get("username")
    user = engine.store.user_by_username(username) if username else None
    res.flags = user.flags.as_dict() if user else None
    _check(res, step)
    return res


def _init(engine: Engine, step: FlowStep) -> InitOutcome:
    if step.new_user is not None:
        nu = step.new_user
        new_user = NewUser(
            username=nu["username"], mobile=nu["mobile"],
            license=License(nu.get("license", "customer_community")),
            first_name=nu.get("first_name", ""), last_name=nu.get("last_name", ""),
            email=nu.get("email", ""),
        )
        return engine.start(step.flow, step.site, new_user=new_user)
    return engine.start(step.flow, step.site, step.user, mobile=step.mobile)


def _code(engine: Engine, init: InitOutcome, word: str) -> str:
    if word not in ("from_phone", "wrong"):
        return word
    delivered = _delivered_code(engine, init)
    if word == "from_phone":
        return delivered or ""
    digits = engine.settings.otp.digits
    wrong = "".join(str((int(ch) + 1) % 10) for ch in (delivered or "0" * digits))
    return wrong


def _delivered_code(engine: Engine, init: InitOutcome) -> str | None:
    if init.phone is None:
        return None
    for msg in reversed(engine.store.inbox(init.phone, limit=20)):
        if msg.otp:
            return msg.otp
    return None


def _show(value: object) -> str:
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _check(res: StepResult, step: FlowStep) -> None:
    e = step.expect
    if e.init is not None and res.init != e.init:
        res.failures.append(f"expected init {e.init}, got {_show(res.init)}")
    if e.delivery_set and res.delivery != e.delivery:
        res.failures.append(f"expected delivery {_show(e.delivery)}, got {_show(res.delivery)}")
    if e.verify_set and res.verify != e.verify:
        res.failures.append(f"expected verify {_show(e.verify)}, got {_show(res.verify)}")
    if e.flags is not None:
        if res.flags is None:
            res.failures.append("expected flags, but there is no such user")
        else:
            for k, v in e.flags.items():
                if res.flags.get(k) != v:
                    res.failures.append(f"expected {k} {_show(v)}, got {_show(res.flags.get(k))}")
    res.passed = not res.failures
