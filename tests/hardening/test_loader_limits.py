"""The scenario loader refuses what would crash or hang it, with file:line (P9).

Reproduced first on the landed build, 520 mutated files: 15 tracebacks (deep nesting, a
self-referencing alias, an unhashable key), 8 hangs, and a "billion laughs" file that grew memory
until it died."""

from __future__ import annotations

import signal
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otp_bench.scenario.loader import ScenarioError, load_scenario_text
from otp_bench.workspace_files.yamlpos import MAX_DEPTH, MAX_VALUES
from tests.hardening.yaml_mutations import SHIPPED, mutate

BOMB = "".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]\n"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)]
)
CASES = {
    "billion laughs": (BOMB, f"more than {MAX_VALUES} values", None),
    "deep flow nesting": ("steps: " + "[" * 100_000, f"more than {MAX_DEPTH} levels", 1),
    "deep block nesting": ("name: x\nsteps:\n" + "".join("  " * i + "- a:\n" for i in range(60)),
                           f"more than {MAX_DEPTH} levels", None),
    "self-referencing alias": ("name: x\nsteps: &s\n  - *s\n", "refers to the value", 2),
    "unhashable key": ("name: x\nsettings:\n  ? [1, 2]\n  : yes\n", "plain value", 3),
    "mapping as key": ("name: x\n{a: 1}: 2\n", "plain value", 2),
}


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """A hang fails the test instead of stalling the suite (SIGALRM: the main thread's timer)."""
    def expire(*_: object) -> None:
        raise TimeoutError(f"the loader ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("name", CASES)
def test_hostile_yaml_is_a_clean_error_with_file_and_line(name: str) -> None:
    text, words, line = CASES[name]
    tracemalloc.start()
    started = time.process_time()  # CPU spent: wall time on a loaded machine says nothing
    try:
        with bounded(10), pytest.raises(ScenarioError) as err:
            load_scenario_text(text, "evil.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 5
    assert peak < 64 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert words in str(err.value) and "evil.yaml:" in str(err.value)
    if line is not None:
        assert err.value.line == line


def test_shipped_scenarios_still_load() -> None:
    for path in SHIPPED:
        load_scenario_text(path.read_text(), path.name)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED),
       st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 1 << 20),
                          st.integers(0, 1 << 20)), min_size=1, max_size=5))
def test_mutated_shipped_scenarios_never_traceback_or_hang(src: object,
                                                          ops: list[tuple[int, int, int]]) -> None:
    text = mutate(src.read_text(), ops)  # type: ignore[attr-defined]
    tracemalloc.start()
    try:
        with bounded(10):
            try:
                load_scenario_text(text, "mutated.yaml")
            except ScenarioError as exc:
                assert str(exc).startswith("mutated.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024
