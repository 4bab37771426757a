"""Every preset's shipped scenario passes over real loopback HTTP; bad provider entries are
refused naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otp_bench import assets
from otp_bench.delivery.presets import PRESETS
from otp_bench.workspace_files.providers import validate_provider_spec
from tests.scenario.side_by_side import SideBySide, cli_run, selected, side_by_side

SCENARIOS = assets.path("scenarios")


@pytest.fixture(scope="module")
def preset_files(request: pytest.FixtureRequest) -> Iterator[SideBySide[tuple[int, str]]]:
    """Each file waits out a real 500 ms callout timeout: all of them run side by side, started
    with the first of these tests, so those waits overlap instead of adding up."""
    names = selected(request, "test_every_preset_has_a_passing_scenario", "name")
    yield from side_by_side([p for p in map(_file, names) if p.is_file()], cli_run)


def _file(name: str) -> Path:
    return SCENARIOS / f"provider_{name}.yaml"


# one test per file (a failure names its file and shows that file's run)
@pytest.mark.parametrize("name", [*sorted(PRESETS), "policies"])
def test_every_preset_has_a_passing_scenario(
        name: str, preset_files: SideBySide[tuple[int, str]]) -> None:
    path = _file(name)
    assert path.is_file(), f"preset {name!r} has no shipped scenario"
    code, out = preset_files.outcome(path)
    assert code == 0, out


@pytest.mark.parametrize(("spec", "field"), [
    ({"name": "p", "preset": "nope"}, "preset"),
    ({"name": "p", "preset": "twilio", "timeout": "121s"}, "timeout"),
    ({"name": "p", "preset": "twilio", "endpoint": "ftp://x"}, "endpoint"),
    ({"name": "p", "preset": "twilio", "endpoint": "https://api.twilio.com"}, "credentials"),
    ({"name": "p", "preset": "twilio", "faults": [{"status": 999}]}, "faults[0].status"),
    ({"name": "p", "preset": "twilio", "endpoint": "https://x.example", "faults": [{"drop": True}],
      "credentials": {"account_sid": "a", "auth_token": "b"}}, "faults"),
    ({"name": "p", "preset": "twilio", "colour": "red"}, "colour"),
    ({"name": "p", "http": {"body_format": "json"}}, "http.body"),
    ({"name": "p"}, "preset"),
])
def test_bad_provider_entries_name_the_field(spec: dict[str, object], field: str) -> None:
    assert field in [f for f, _ in validate_provider_spec(spec)]


def test_good_entries_validate() -> None:
    assert validate_provider_spec({"name": "ok", "result": "SUCCESS"}) == []
    assert validate_provider_spec({
        "name": "t", "preset": "twilio", "endpoint": "mock", "timeout": "10s",
        "faults": [{"status": 500, "times": 1}], "sender": "+15005550006"}) == []
