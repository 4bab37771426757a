"""The Markdown evidence report of a scenario run, from the runner's JSON report (SPEC §3).

``otp-bench run FILE... --report out.json`` writes the JSON; ``report_from_run`` turns it into a
page a reviewer reads: the verdict, every failed expectation with its file and line, then each
scenario's steps with their outcomes and callouts. Unknown or missing keys are tolerated, so a
report from an older or newer runner still renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from otp_bench.export.markdown import cell, code, table


def report_from_run(run: Mapping[str, Any], *, title: str = "otp-bench scenario run") -> str:
    scenarios: Sequence[Mapping[str, Any]] = run.get("scenarios") or []
    passed = int(run.get("passed", sum(1 for s in scenarios if s.get("passed"))))
    failed = int(run.get("failed", len(scenarios) - passed))
    steps = [st for s in scenarios for st in s.get("steps") or []]
    failed_steps = sum(1 for st in steps if not st.get("passed", True))
    out = [f"# {title}", ""]
    verdict = "PASSED" if failed == 0 else "FAILED"
    out.append(f"**{verdict}: {passed} of {passed + failed} scenario(s) passed; "
               f"{len(steps) - failed_steps} of {len(steps)} step(s) held.**")
    out.append("")
    problems = list(_problems(scenarios))
    out += ["## Failed expectations", ""]
    if problems:
        out.append(table(["where", "scenario", "step", "what failed"], problems))
    else:
        out += ["None: every expectation held.", ""]
    for sc in scenarios:
        out += _scenario(sc)
    return "\n".join(out).rstrip() + "\n"


def _problems(scenarios: Sequence[Mapping[str, Any]]) -> Any:
    for sc in scenarios:
        if sc.get("error"):
            yield (code(sc.get("file", "")), sc.get("name", ""), "setup", sc["error"])
        for st in sc.get("steps") or []:
            for failure in st.get("failures") or []:
                where = f"{sc.get('file', '')}:{st.get('line', '?')}"
                yield (code(where), sc.get("name", ""), _step_name(st), failure)


def _step_name(st: Mapping[str, Any]) -> str:
    return f"{st.get('index', '?')} {st.get('flow', '')}".strip()


def _scenario(sc: Mapping[str, Any]) -> list[str]:
    mark = "passed" if sc.get("passed") else "FAILED"
    out = [f"## {cell(sc.get('name', 'scenario'))} — {mark}", "",
           f"File {code(sc.get('file', ''))}.", ""]
    if sc.get("error"):
        out += [f"Could not run: {cell(sc['error'])}", ""]
    steps = sc.get("steps") or []
    if not steps:
        return [*out, "No flow steps.", ""]
    rows = []
    for st in steps:
        flags = st.get("flags")
        flag_text = (", ".join(f"{k} {cell(v)}" for k, v in flags.items())
                     if isinstance(flags, Mapping) else None)
        callouts = st.get("callouts")
        count = len(callouts) if isinstance(callouts, list) else callouts
        rows.append((st.get("index", "?"), st.get("line", "?"), st.get("flow", ""),
                     st.get("init"), st.get("delivery"), st.get("verify"), flag_text, count,
                     "held" if st.get("passed", True) else "FAILED"))
    out.append(table(["step", "line", "flow", "init", "delivery", "verify", "flags after",
                      "callouts", "expectations"], rows))
    for st in steps:
        callouts = st.get("callouts")
        if isinstance(callouts, list) and callouts:
            out += [f"Callouts of step {st.get('index', '?')} ({cell(st.get('flow', ''))}):", ""]
            out.append(table(
                ["request", "status", "ms", "result", "rule"],
                [(code(f"{c.get('method', '')} {c.get('url', '')}"),
                  c.get("status") or c.get("error") or "no response", c.get("elapsed_ms"),
                  c.get("result"), c.get("rule")) for c in callouts if isinstance(c, Mapping)],
            ))
    return out
