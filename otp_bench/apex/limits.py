"""Governor limits of one transaction: callouts, callout time, CPU, heap, SOQL, stack depth.

Exceeding one throws ``System.LimitException``, which no ``catch`` can stop. CPU is the
interpreter's own time excluding callouts, plus a statement budget as a backstop: the bench runs
slower than Salesforce's compiled Apex, so a loop near the real limit may hit it sooner here
(a bench assumption, said in docs/apex-runtime.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from otp_bench.apex.errors import throw

MAX_CALLOUTS = 100
MAX_CALLOUT_TOTAL_MS = 120_000
MAX_TIMEOUT_MS = 120_000
DEFAULT_TIMEOUT_MS = 10_000
MAX_SOQL = 100
MAX_HEAP = 6 * 1024 * 1024
MAX_BODY = 6 * 1024 * 1024
MAX_DEPTH = 1000
_CHECK_EVERY = 1024  # a power of two: the interpreter tests statements & 1023
_HEAP_EVERY = 4096


class Limits:
    def __init__(self, cpu_limit_ms: int = 10_000, statement_limit: int = 5_000_000) -> None:
        self.cpu_limit_ms = cpu_limit_ms
        self.statement_limit = statement_limit
        self.callouts = 0
        self.callout_ms = 0.0
        self.soql = 0
        self.statements = 0
        self.depth = 0
        self.heap = 0
        self.started = time.perf_counter()
        self.excluded = 0.0  # seconds spent in callouts
        self.heap_probe: Callable[[], int] | None = None

    def cpu_ms(self) -> float:
        return (time.perf_counter() - self.started - self.excluded) * 1000

    def tick(self) -> None:
        self.statements += 1
        if self.statements % _CHECK_EVERY == 0:
            self.check()

    def check(self) -> None:
        """The periodic part of ``tick``: CPU, statement budget, heap."""
        if self.statements >= self.statement_limit or self.cpu_ms() > self.cpu_limit_ms:
            raise throw("LimitException", "Apex CPU time limit exceeded")
        if self.statements % _HEAP_EVERY == 0 and self.heap_probe is not None:
            self.check_heap(self.heap_probe())

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise throw("LimitException", f"Maximum stack depth reached: {self.depth}")

    def leave(self) -> None:
        self.depth -= 1

    def callout(self) -> None:
        self.callouts += 1
        if self.callouts > MAX_CALLOUTS:
            raise throw("LimitException", f"Too many callouts: {self.callouts}")

    def query(self) -> None:
        self.soql += 1
        if self.soql > MAX_SOQL:
            raise throw("LimitException", f"Too many SOQL queries: {self.soql}")

    def check_heap(self, size: int) -> None:
        self.heap = max(self.heap, size)
        if size > MAX_HEAP:
            raise throw("LimitException", f"Apex heap size too large: {size}")
