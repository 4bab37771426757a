"""Run reports: the JSON report and JUnit XML of SPEC §3."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from otp_bench.outputs import write_output
from otp_bench.scenario.runner import ScenarioResult


def report_dict(results: list[ScenarioResult]) -> dict[str, Any]:
    passed = sum(1 for r in results if r.passed)
    return {
        "passed": passed,
        "failed": len(results) - passed,
        "scenarios": [r.as_dict() for r in results],
    }


def write_json(results: list[ScenarioResult], path: str | Path) -> None:
    """``path`` by ``otp_bench.outputs``: a file replaced whole, a device or FIFO, ``-``."""
    write_output(path, json.dumps(report_dict(results), indent=2) + "\n")


def junit_xml(results: list[ScenarioResult]) -> str:
    suites = ET.Element("testsuites", name="otp-bench")
    total = failures = errors = 0
    for r in results:
        failed = sum(1 for s in r.steps if not s.passed)
        suite = ET.SubElement(
            suites, "testsuite", name=r.name, file=r.file, tests=str(len(r.steps) or 1),
            failures=str(failed), errors="1" if r.error else "0",
        )
        total += len(r.steps) or 1
        failures += failed
        if r.error:
            errors += 1
            case = ET.SubElement(suite, "testcase", name="setup", classname=r.name)
            ET.SubElement(case, "error", message=r.error).text = r.error
        for s in r.steps:
            case = ET.SubElement(
                suite, "testcase", name=f"step {s.index + 1}: {s.label}", classname=r.name,
                file=r.file, line=str(s.line),
            )
            out = ET.SubElement(case, "system-out")
            out.text = (f"init={s.init} delivery={s.delivery} verify={s.verify} "
                        f"flags={json.dumps(s.flags)} callouts={len(s.callouts)}")
            if not s.passed:
                msg = "; ".join(s.failures)
                ET.SubElement(case, "failure", message=msg).text = msg
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(results: list[ScenarioResult], path: str | Path) -> None:
    write_output(path, junit_xml(results))
