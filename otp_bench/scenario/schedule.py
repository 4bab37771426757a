"""Which scenario file to start first: the one expected to take longest.

Run in parallel, a suite ends when its slowest file does, so the slowest files start first
(longest-processing-time-first scheduling); short files then fill the gaps. A file's time is
mostly waiting on purpose — a mock provider's ``latency``, a callout left to ``hang`` or time out
— which the file itself declares, so the estimate is read from the file, before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otp_bench.domain.http_config import DEFAULT_TIMEOUT_S
from otp_bench.mockprovider.faults import Fault, FaultError, FaultKind
from otp_bench.scenario.model import FlowStep, Scenario
from otp_bench.workspace_files.durations import parse_duration

PER_FILE_S = 0.2  # a workspace, a mock provider started and stopped
PER_STEP_S = 0.03  # one flow's engine work and loopback callouts


def expected_seconds(scenario: Scenario) -> float:
    """A rough wall time of ``scenario`` run alone: what it declares it will wait, plus its work."""
    default = float(scenario.settings.get("callout_timeout", DEFAULT_TIMEOUT_S))
    waits = sum(_provider_waits(spec, default) for spec in scenario.providers)
    flows = sum(1 + (s.resend if isinstance(s, FlowStep) else 0) for s in scenario.steps)
    return PER_FILE_S + PER_STEP_S * flows + waits


def _provider_waits(spec: Mapping[str, Any], default_timeout: float) -> float:
    try:
        timeout = parse_duration(spec["timeout"]) if "timeout" in spec else default_timeout
    except ValueError:
        timeout = default_timeout
    total = 0.0
    for raw in spec.get("faults") or []:
        try:
            fault = Fault.from_dict(raw, parse_seconds=parse_duration)
        except FaultError:
            continue
        calls = fault.times or 1  # ``every``/``probability``: at least one call, say
        if fault.kind is FaultKind.LATENCY:
            total += calls * min(fault.seconds, timeout)
        elif fault.kind in (FaultKind.HANG, FaultKind.DRIP):
            total += calls * min(fault.seconds or timeout, timeout)
    return total


def longest_first(costs: list[float]) -> list[int]:
    """Indexes of ``costs``, largest first (ties keep the given order)."""
    return sorted(range(len(costs)), key=lambda i: -costs[i])
