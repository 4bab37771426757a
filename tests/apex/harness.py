"""Run snippets of Apex in tests: ``value_of("return 1 + 1;")``, ``thrown_by("…")``."""

from __future__ import annotations

from typing import Any

from otp_bench.apex import ApexEnvironment, ApexSource, load_program
from otp_bench.apex.ops import to_string
from otp_bench.apex.run import exception_info, run_static

PREAMBLE = "public class T {\n"


def program_of(source: str, name: str = "T.cls") -> Any:
    return load_program(ApexSource.from_text(source, name))


def run_body(body: str, members: str = "", env: ApexEnvironment | None = None,
             extra_classes: str = "") -> tuple[str, Any, Any]:
    source = (f"{PREAMBLE}{members}\n  public static Object run() {{\n{body}\n  }}\n}}\n"
              f"{extra_classes}")
    return run_static(program_of(source), "T", "run", [], env)


def value_of(body: str, members: str = "", **kw: Any) -> Any:
    outcome, value, _ = run_body(body, members, **kw)
    shown = exception_info(value) if outcome == "throw" else value
    assert outcome == "return", f"{outcome}: {shown}"
    return value


def shown(body: str, members: str = "", **kw: Any) -> str:
    """The returned value as String.valueOf prints it."""
    return to_string(value_of(body, members, **kw))


def thrown_by(body: str, members: str = "", **kw: Any) -> str:
    """"Type: message" of the exception the body ends with."""
    outcome, value, _ = run_body(body, members, **kw)
    assert outcome == "throw", f"expected a throw, got {outcome}: {value}"
    return str(exception_info(value))
