"""Faults written back in the scenario files' shorthand read back equal, and read in words."""

from __future__ import annotations

import pytest

from otp_bench.mockprovider.faults import Fault
from otp_bench.workspace_files.durations import parse_duration

CASES = [
    ({"error": "timeout", "every": 3}, {"hang": True, "every": 3},
     "every 3rd call: no answer (the callout times out)"),
    ({"latency": "2s"}, {"latency": "2s"}, "every call: answers 2s late"),
    ({"status": 500, "times": 1}, {"status": 500, "once": True}, "the next call: HTTP 500"),
    ({"drop": True, "probability": 0.2}, {"drop": True, "probability": 0.2},
     "20% of calls: the connection drops"),
    ({"error": "invalid_number", "number": "+1 415 555 2672", "times": 2},
     {"error": "invalid_number", "times": 2, "number": "+14155552672"},
     "the next 2 calls to +14155552672: vendor error invalid_number"),
]


@pytest.mark.parametrize(("raw", "written", "words"), CASES)
def test_to_scenario_round_trips(raw: dict, written: dict, words: str) -> None:  # type: ignore[type-arg]
    fault = Fault.from_dict(raw, parse_seconds=parse_duration)
    assert fault.to_scenario() == written
    assert Fault.from_dict(written, parse_seconds=parse_duration) == fault
    assert fault.describe() == words
