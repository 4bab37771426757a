"""Scenario validation: every problem names file, line and field; nothing runs on a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import ClockStep, FlowStep, ScenarioError
from otp_bench.workspace_files.durations import parse_duration

HEAD = "sites: [{name: S}]\nusers:\n  - {username: a@example.com, mobile: '+1 415 555 2671'}\n"


def _load(tmp_path: Path, text: str) -> ScenarioError:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("nam: x\n", 1, "nam", "unknown field 'nam'"),
        (HEAD + "steps:\n  - flow: login\n    site: S\n", 5, "steps[0].flow", "isn't a flow"),
        (HEAD + "steps:\n  - {flow: passwordless_login, site: S}\n", 5, "steps[0].user",
         "must be a username"),
        (HEAD + "steps:\n  - {flow: self_registration, site: S, user: a@example.com}\n", 5,
         "steps[0].user", "use new_user"),
        (HEAD + "steps:\n  - {flow: verification, site: S, user: x, code: abc}\n", 5,
         "steps[0].code", "isn't a code"),
        (HEAD + "steps:\n  - {flow: verification, site: S, user: x, wait: soon}\n", 5,
         "steps[0].wait", "isn't a duration"),
        (HEAD + "steps:\n  - advance_clock: 16x\n", 5, "steps[0].advance_clock",
         "isn't a duration"),
        ("users:\n  - {username: a@example.com, mobile: '12'}\n", 2, "users[0].mobile",
         "isn't a phone number"),
        ("users:\n  - {username: a@example.com, license: boss}\n", 2, "users[0].license",
         "isn't a licence"),
        ("users:\n  - {username: a@example.com, sites: [Nowhere]}\n", 2, "users[0].sites[0]",
         "no site named 'Nowhere'"),
        ("users:\n  - {username: a@example.com, sites: [{name: S}]}\n", 2, "users[0].sites[0]",
         "must be a site's name, not dict"),
        ("sites:\n  - {name: S, handler: ghost}\n", 2, "sites[0].handler",
         "no provider named 'ghost'"),
        ("providers:\n  - {name: p, result: OK}\n", 2, "providers[0].result", "must be one of"),
        ("settings: {custom_otp_enabled: yes please}\n", 1, "settings.custom_otp_enabled",
         "true or false"),
        ("sites: [{name: S}, {name: S}]\n", 1, "sites[1].name", "appears twice"),
        (HEAD + "steps:\n  - {flow: verification, site: S, user: x,\n"
         "     expect: {flags: {verified: true}}}\n", 6, "steps[0].expect.flags.verified",
         "unknown field"),
        ("steps: [\n", 2, "", "YAML syntax"),
        ("- just a list\n", 1, "", "must be a mapping"),
    ],
)
def test_errors_name_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    err = _load(tmp_path, text)
    assert err.line == line, str(err)
    assert err.field == field, str(err)
    assert words in str(err)
    assert str(err).startswith(f"{tmp_path / 's.yaml'}:{line}")


def test_a_good_file_parses_every_field(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text(
        HEAD + "steps:\n"
        "  - flow: passwordless_login\n    site: S\n    user: a@example.com\n"
        "    code: [wrong, from_phone]\n    wait: 1m30s\n"
        "    expect: {init: ok, delivery: SUCCESS, verify: SUCCESS,\n"
        "             flags: {admin_verified: true}}\n"
        "  - advance_clock: 16m\n"
    )
    sc = load_scenario(f)
    step, clock = sc.steps
    assert isinstance(step, FlowStep) and isinstance(clock, ClockStep)
    assert step.codes == ("wrong", "from_phone") and step.wait == 90
    assert step.expect.flags == {"admin_verified": True}
    assert clock.seconds == 960
    assert step.line == 5


@pytest.mark.parametrize(("text", "seconds"),
                         [("0s", 0), ("16m", 960), ("1h30m", 5400), ("24h", 86400), (45, 45),
                          ("500ms", 0.5)])
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds
