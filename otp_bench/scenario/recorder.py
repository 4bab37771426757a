"""Recording what the operator walks through as a scenario file that ``otp-bench run`` replays.

``Recorder(engine)`` listens to the engine's events from the moment it is made. Each flow becomes
a step: its use case, site, user (or the new user's fields), resends, the codes entered — a
successful verify means the code from the phone (``from_phone``), a failed one ``wrong`` — and
the outcomes it saw as expectations (init, delivery, verify, flags after). A clock move while a
flow waits for its code becomes that step's ``wait``; any other is an ``advance_clock`` step.

The workspace section is the workspace as it was when the first flow started (edits made
before that are taken in; edits made later are noted in the file, not replayed), without secrets.
Flows are replayed one after another in the order they started; the file says so when flows
overlapped, since timing-dependent outcomes may then differ.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from otp_bench.delivery.presets import PRESETS, get_preset
from otp_bench.domain.events import (
    ClockAdvanced,
    DeliveryCompleted,
    FlagsChanged,
    FlowStarted,
    InitRefused,
    OtpIssued,
    VerifyAttempted,
    WorkspaceChanged,
)
from otp_bench.domain.vocabulary import DeliveryResult, UseCase
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.outputs import open_output
from otp_bench.workspace_files.durations import format_duration
from otp_bench.workspace_files.writer import PLACEHOLDER, dump_yaml, workspace_dict


@dataclass
class _Flow:
    seq: int
    flow_id: str
    use_case: UseCase
    site: str
    user: str | None
    new_user: dict[str, str] | None = None
    mobile: str | None = None
    init: str = "ok"
    delivery: str | None = None
    verify: str | None = None
    codes: list[str] = field(default_factory=list)
    verify_seqs: list[int] = field(default_factory=list)
    resends: int = 0
    flags: dict[str, bool] | None = None


@dataclass
class _Clock:
    seq: int
    seconds: float


class Recorder:
    def __init__(self, engine: Engine, *, name: str = "recorded session") -> None:
        self.engine = engine
        self.name = name
        self._lock = threading.Lock()
        self._seq = 0
        self._flows: dict[str, _Flow] = {}
        self._clocks: list[_Clock] = []
        self._notes: list[str] = []
        self._workspace = workspace_dict(engine.store)
        self._unsubscribe: Callable[[], None] | None = engine.events.subscribe(self._on_batch)

    # -- recording -------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._unsubscribe is not None

    @property
    def flow_count(self) -> int:
        with self._lock:
            return len(self._flows)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_batch(self, batch: EventBatch) -> None:
        with self._lock:
            for ev in batch.events:
                self._seq += 1
                self._on_event(ev, self._seq)

    def _on_event(self, ev: object, seq: int) -> None:
        if isinstance(ev, FlowStarted) and ev.flow_id and ev.use_case:
            self._flows[ev.flow_id] = self._new_flow(ev, seq)
            return
        if isinstance(ev, ClockAdvanced):
            self._clocks.append(_Clock(seq, ev.seconds))
            return
        if isinstance(ev, WorkspaceChanged):
            if not self._flows:  # still setting up: the scenario starts from the newest state
                self._workspace = workspace_dict(self.engine.store)
            else:
                self._notes.append(f"{ev.what} {ev.name!r} {ev.action} during recording "
                                   "(not replayed)")
            return
        flow = self._flows.get(getattr(ev, "flow_id", None) or "")
        if flow is None:
            return
        if isinstance(ev, InitRefused):  # init, delivery: those of the last init or resend
            flow.init, flow.delivery = ev.reason.value, None
            if ev.step == "resend":  # a refused resend (rate limit) is replayed as a resend too
                flow.resends += 1
        elif isinstance(ev, OtpIssued) and ev.resend:
            flow.resends += 1
        elif isinstance(ev, DeliveryCompleted):
            flow.delivery = ev.delivery.value
            flow.init = "ok" if ev.delivery is DeliveryResult.SUCCESS else "delivery_failed"
        elif isinstance(ev, VerifyAttempted):
            flow.codes.append("from_phone" if ev.success else "wrong")
            flow.verify = ev.message if ev.reason is None else ev.reason.value
            flow.verify_seqs.append(seq)
        elif isinstance(ev, FlagsChanged):
            flow.flags = ev.after.as_dict()

    def _new_flow(self, ev: FlowStarted, seq: int) -> _Flow:
        assert ev.flow_id is not None and ev.use_case is not None
        store = self.engine.store
        with store.transaction() as tx:
            row = tx.flow(ev.flow_id)
        flow = _Flow(seq, ev.flow_id, ev.use_case, ev.site, None)
        if ev.use_case.registers_user:
            pending = (row.pending_user if row else None) or {"username": ev.user}
            flow.new_user = {k: str(v) for k, v in pending.items() if v or k == "mobile"}
            if row is not None and row.mobile:
                flow.new_user["mobile"] = row.mobile
        else:
            flow.user = ev.user
            user = store.user_by_username(ev.user)
            if user is not None:
                flow.flags = user.flags.as_dict()
                mobile = row.mobile if row else None
                if (ev.use_case is UseCase.VERIFICATION_METHOD_REGISTRATION and mobile
                        and mobile != user.mobile):
                    flow.mobile = mobile
        return flow

    # -- the scenario ------------------------------------------------------------------------

    def steps(self) -> list[dict[str, Any]]:
        """The recorded steps, in scenario-file form."""
        with self._lock:
            flows = sorted(self._flows.values(), key=lambda f: f.seq)
            clocks = list(self._clocks)
        waits: dict[str, float] = {}
        timeline: list[tuple[int, dict[str, Any] | _Flow]] = [(f.seq, f) for f in flows]
        for c in clocks:
            before = [f for f in flows if f.seq < c.seq]
            last = before[-1] if before else None
            # waiting for the code when the clock moved: the step's ``wait`` (before verifying)
            if last is not None and any(s > c.seq for s in last.verify_seqs):
                waits[last.flow_id] = waits.get(last.flow_id, 0.0) + c.seconds
            else:
                timeline.append((c.seq, {"advance_clock": format_duration(c.seconds)}))
        timeline.sort(key=lambda t: t[0])
        return [_step(item, waits.get(item.flow_id, 0.0)) if isinstance(item, _Flow) else item
                for _, item in timeline]

    def overlapping(self) -> bool:
        """Whether a flow started while an earlier one was still to be verified."""
        with self._lock:
            flows = sorted(self._flows.values(), key=lambda f: f.seq)
        return any(
            any(s > later.seq for s in earlier.verify_seqs)
            for i, earlier in enumerate(flows) for later in flows[i + 1:]
        )

    def to_yaml(self) -> str:
        with self._lock:
            workspace = dict(self._workspace)
            notes = list(self._notes)
        providers = [_on_runner_mock(p) for p in workspace.get("providers", [])]
        workspace["providers"] = providers
        steps = self.steps()
        header = [f"# Recorded with otp-bench: {len(steps)} step(s). Replay: otp-bench run FILE"]
        if any(p.get("endpoint") == "mock" for p in providers):
            header.append("# Providers that used the loopback mock provider replay against the "
                          "runner's own mock (endpoint: mock);\n# faults set in the mock "
                          "control aren't recorded: add them as faults: [...] if needed.")
        if any(PLACEHOLDER in str(p) for p in providers if p.get("endpoint") != "mock"):
            header.append(f'# Replace each "{PLACEHOLDER}" with the credential before running.')
        if self.overlapping():
            header.append("# Flows overlapped while recording; they replay one after another, "
                          "so timing-dependent outcomes may differ.")
        header += [f"# Note: {n}" for n in notes]
        doc = {"name": self.name, **workspace, "steps": steps}
        return "\n".join(header) + "\n\n" + dump_yaml(doc)

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        with open_output(target) as fh:
            fh.write(self.to_yaml())
        return target


def _on_runner_mock(provider: dict[str, Any]) -> dict[str, Any]:
    """An HTTP provider that called the bench's loopback mock replays against the runner's mock.

    The mock of the recording session is gone by replay time; ``endpoint: mock`` makes the runner
    start its own and point the config at it. The runner gives the mock the same credentials as
    the handler, so test values can stand in for the secrets.
    """
    http = provider.get("http")
    if not isinstance(http, dict):
        return provider
    host = urlsplit(str(http.get("base_url", ""))).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return provider
    out = {"name": provider["name"], "endpoint": "mock"}
    out.update((k, v) for k, v in provider.items() if k != "name")
    creds = out.get("credentials")
    preset = str(http.get("preset") or "")
    if isinstance(creds, dict) and preset in PRESETS:
        # the mock checks each vendor's credential format (a Twilio SID is AC + 32 hex): its
        # published test values stand in for the secrets, which never go into the file
        example = get_preset(preset).example_credentials
        out["credentials"] = {k: example.get(k, v) if v == PLACEHOLDER else v
                              for k, v in creds.items()}
    return out


def _step(f: _Flow, wait: float) -> dict[str, Any]:
    step: dict[str, Any] = {"flow": f.use_case.value, "site": f.site}
    if f.new_user is not None:
        step["new_user"] = f.new_user
    else:
        step["user"] = f.user
    if f.mobile:
        step["mobile"] = f.mobile
    if f.resends:
        step["resend"] = f.resends
    inited = f.init == "ok"
    if inited:
        if not f.codes:
            step["code"] = "none"
        else:
            step["code"] = f.codes[0] if len(f.codes) == 1 else list(f.codes)
        if wait:
            step["wait"] = format_duration(wait)
    expect: dict[str, Any] = {
        "init": f.init,
        "delivery": f.delivery,
        "verify": f.verify if inited and f.codes else None,
    }
    if f.flags is not None:
        expect["flags"] = f.flags
    step["expect"] = expect
    return step
