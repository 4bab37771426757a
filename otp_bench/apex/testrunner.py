"""``@isTest`` classes: each test method is its own transaction, with ``Test.setMock``
(HttpCalloutMock, dispatched virtually to the user's ``respond``), ``Test.startTest/stopTest``
and ``System.assert*``. A failure names the method, the line, expected and actual."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from otp_bench.apex.env import ApexEnvironment
from otp_bench.apex.interp import Interpreter
from otp_bench.apex.program import ApexProgram
from otp_bench.apex.run import DebugLine, exception_info, guarded


@dataclass
class ApexTestResult:
    class_name: str
    method: str
    passed: bool
    message: str = ""  # "System.AssertException: Assertion Failed: Expected: 1, Actual: 2"
    line: int = 0
    file: str = ""
    stack: str = ""
    elapsed_ms: float = 0.0
    debug: list[DebugLine] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.class_name}.{self.method}"

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.name}"
        return f"FAIL {self.name} ({self.file}:{self.line}): {self.message}"


def run_tests(program: ApexProgram, env: ApexEnvironment | None = None) -> list[ApexTestResult]:
    import time

    base = dataclasses.replace(env or ApexEnvironment(), is_test=True)
    results: list[ApexTestResult] = []
    for cls in program.classes.values():
        if cls.decl is None or not cls.decl.is_test:
            continue
        for methods in cls.decl.methods.values():
            for m in methods:
                if not m.is_test or m.params:
                    continue
                interp = Interpreter(program, base)
                started = time.perf_counter()

                def body(m: object = m, interp: Interpreter = interp) -> object:
                    assert not isinstance(m, type)
                    return interp.invoke(m, None, [])  # type: ignore[arg-type]

                outcome, value = guarded(interp, body)
                result = ApexTestResult(cls.qualified, m.name, outcome == "return",
                                        file=cls.decl.file,
                                        elapsed_ms=(time.perf_counter() - started) * 1000)
                if outcome == "throw":
                    info = exception_info(value)
                    result.message = str(info)
                    result.line = info.line
                    result.stack = info.stack
                elif outcome != "return":
                    result.message = str(value)
                    result.line = interp.line
                result.debug = [DebugLine(*d) for d in interp.debug_lines]
                results.append(result)
    return results
