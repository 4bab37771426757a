"""bench/bench_engine.py keeps working: a short run completes every flow."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_engine.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_benchmark_run(capsys: object) -> None:
    bench = _load()
    res = bench.run(30)
    assert res["flows"] == 30 and res["flows_per_second"] > 0
    own = res["engine_ms_per_flow"]
    assert 0 < own["p50"] <= own["p90"] <= own["p99"] <= own["max"]
    assert res["handler_ms_per_flow"] > 0
    assert bench.main(["--n", "5", "--json"]) == 0
