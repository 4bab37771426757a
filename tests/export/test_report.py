"""Markdown evidence reports: of a session (from the store) and of a scenario run (from JSON)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from otp_bench import assets
from otp_bench.export.report import write_report
from otp_bench.export.run_report import report_from_run
from otp_bench.scenario.cli import run_files
from tests.export.conftest import Planted

ROOT = Path(__file__).resolve().parents[2]


def _report(planted: Planted, **kw: object) -> str:
    buf = io.StringIO()
    write_report(planted.store, buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_session_report_summarises_workspace_flows_and_failures(planted: Planted) -> None:
    text = _report(planted)
    # workspace: settings, sites with their handler, users with their flags
    assert "Custom OTP delivery for the org: **enabled**" in text
    assert "| Customers | scripted-ok | false | false |" in text
    assert "| Partners | Salesforce default provider |" in text
    assert "| ana@example.com | customer_community | +14155552671 | false | true |" in text
    assert "twilio-sandbox" in text and "HTTP twilio → https://api.twilio.com" in text
    # failures up front, with the reason code
    failures = text.split("## Failures and refusals")[1].split("## Flows")[0]
    assert "flag_requirement_unmet" in failures and planted.login_flow not in failures
    # each flow: steps, callouts, results, flag changes
    assert "Verification method registration — Customers — ana@example.com" in text
    assert "verify failed: invalid_code" in text
    assert "Flags: user_verified false, admin_verified false → **true**" in text
    assert "| #2 | POST https://api.twilio.com/" in text and "status 201 → SUCCESS" in text
    assert "## Workspace edits and clock" in text and "site 'Customers' saved" in text


def test_report_of_chosen_flows_only(planted: Planted) -> None:
    text = _report(planted, flow_ids=[planted.login_flow])
    assert text.count("### 1.") == 1 and "### 2." not in text
    assert "**1 flow(s), 0 with a failure or refusal.**" in text


def test_report_from_a_scenario_run(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    scenario = assets.path("scenarios") / "otp_expiry.yaml"
    wrong = ROOT / "tests" / "scenario" / "fixtures" / "wrong_expectation.yaml"
    run_files([str(scenario), str(wrong)], report=str(out), out=io.StringIO())
    text = report_from_run(json.loads(out.read_text("utf-8")))
    assert "**FAILED: 1 of 2 scenario(s) passed" in text
    assert "expected verify SUCCESS, got invalid_code" in text
    assert "wrong_expectation.yaml:6" in text  # where the failed expectation is
    assert "| 1 | " in text and "expired" in text


def test_report_from_a_passing_run_and_an_older_report_shape() -> None:
    text = report_from_run({"passed": 1, "failed": 0, "scenarios": [
        {"file": "a.yaml", "name": "a | b", "passed": True,
         "steps": [{"flow": "passwordless_login", "passed": True, "init": "ok",
                    "delivery": "SUCCESS", "verify": "SUCCESS", "callouts": 2,
                    "flags": {"user_verified": True, "admin_verified": False}}]}]})
    assert "**PASSED: 1 of 1 scenario(s) passed; 1 of 1 step(s) held.**" in text
    assert "None: every expectation held." in text
    assert "## a \\| b — passed" in text  # a pipe in a name can't break the table
    assert "user_verified true, admin_verified false" in text


def test_flows_come_grouped_in_start_order_whatever_the_buffer(planted: Planted) -> None:
    """Overlapping flows: the grouping reads events once, or falls back to a query per flow
    when a long-open flow would hold too many events back; the result is the same."""
    from otp_bench.export.flow_events import grouped, scan

    engine = planted.engine
    a = engine.start("verification_method_registration", "Customers", "ana@example.com")
    b = engine.start("verification_method_registration", "Customers", "carl@example.com")
    for flow in (b, a):  # b finishes before a, which started first
        code = next(m.otp for m in reversed(engine.store.inbox(flow.phone or "")) if m.otp)
        engine.verify(flow.flow_id, code or "")
    flows, others = scan(planted.store, None)
    assert list(flows)[-2:] == [a.flow_id, b.flow_id]
    assert others and all(isinstance(s, str) for _at, s in others)
    expected = {fid: [e.id for e in planted.store.events(flow_id=fid)] for fid in flows}
    for limit in (20_000, 1):
        got = [(f.id, [e.id for e in evs]) for f, evs in grouped(planted.store, flows,
                                                                  max_buffered=limit)]
        assert [fid for fid, _ in got] == list(flows)
        assert dict(got) == expected
