"""The Faults form: the scenario files' vocabulary both ways (every fault of every shipped
scenario round-trips through the form), the dialog's own example works, armed faults show."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from otp_bench.mockprovider.faults import Fault, FaultKind
from otp_bench.scenario import shipped
from otp_bench.workspace_files.durations import parse_duration


def _shipped_faults() -> list[dict[str, Any]]:
    out = []
    for name in shipped.names():
        doc = yaml.safe_load(shipped.path(name).read_text("utf-8")) or {}
        for p in doc.get("providers") or []:
            out += p.get("faults") or []
    return out


FAULTS = _shipped_faults()
EXTRA = [{"error": "timeout", "every": 3}, {"latency": "2s", "probability": 0.25},
         {"drip": "250ms", "times": 4}, {"drop": True, "once": True},
         {"status": 503, "number": "+44 7400 123456"}]


@pytest.mark.parametrize("raw", FAULTS + EXTRA, ids=lambda d: str(d))
def test_every_fault_round_trips_through_the_form(qtbot: Any, raw: dict[str, Any]) -> None:
    from otp_bench.gui.widgets.faults_form import FaultEditor, parse_scenario_faults, scenario_text

    fault = Fault.from_dict(raw, parse_seconds=parse_duration)
    editor = FaultEditor()
    qtbot.addWidget(editor)
    editor.set_fault(fault)
    assert editor.fault() == fault
    assert parse_scenario_faults(scenario_text([fault])) == [fault]


def test_shipped_scenarios_have_faults_to_check() -> None:
    assert len(FAULTS) >= 8


def test_the_dialogs_own_example_arms_a_timeout_every_third_call(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from otp_bench.gui.widgets.faults_form import FaultsDialog

    dlg = FaultsDialog(["twilio-mock", "vonage-mock"], {})
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.text.clear()
    qtbot.keyClicks(dlg.text, "[{error: timeout, every: 3}]")
    with qtbot.waitSignal(dlg.accepted, timeout=2000):
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    [fault] = dlg.faults()
    assert fault.kind is FaultKind.HANG and fault.every == 3
    assert dlg.key == "twilio-mock"


def test_the_form_builds_a_fault_and_reopens_on_what_is_armed(qtbot: Any) -> None:
    from otp_bench.gui.widgets.faults_form import FaultsDialog

    armed = {"vonage-mock": [Fault.from_dict({"status": 500, "once": True})]}
    dlg = FaultsDialog(["twilio-mock", "vonage-mock"], armed, current="vonage-mock")
    qtbot.addWidget(dlg)
    assert dlg.list.count() == 1 and dlg.text.text() == "[{status: 500, once: true}]"
    ed = dlg.editor
    ed.kind.setCurrentIndex(ed.kind.findData("latency"))
    ed.seconds.setValue(1.5)
    ed.selector.setCurrentIndex(ed.selector.findData("every"))
    ed.count.setValue(2)
    dlg.add_button.click()
    assert dlg.list.count() == 2
    assert "every 2nd call: answers 1.5s late" in dlg.list.item(1).text()
    assert dlg.text.text() == "[{status: 500, once: true}, {latency: 1.5s, every: 2}]"
    dlg.provider.setCurrentText("twilio-mock")
    assert dlg.list.count() == 0  # each provider its own list


def test_a_bad_fault_is_named_not_armed(qtbot: Any) -> None:
    from otp_bench.gui.widgets.faults_form import FaultsDialog

    dlg = FaultsDialog(["p"], {})
    qtbot.addWidget(dlg)
    dlg.text.setText("[{error: nonsense}]")
    dlg._accept()
    assert not dlg.result() and "error" in dlg.problem.text()
