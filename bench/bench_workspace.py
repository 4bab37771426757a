"""Benchmark: creating a new workspace (SPEC §4 via issue #10: ≤ 50 ms), from the schema template
vs running every migration on an empty file, in one run; and the CPU of opening one (what every
test's workspace costs the test suite).

    python bench/bench_workspace.py [--n 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from otp_bench.store.db import _migrate_url  # noqa: E402
from otp_bench.store.store import Store  # noqa: E402

TARGET_MS = 50.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="workspaces per way (default 30)")
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory(prefix="otp-bench-ws-") as tmp:
        Store(f"sqlite:///{Path(tmp) / 'warm.db'}", throwaway=True).close()  # the template
        made, made_cpu, migrated = [], [], []
        for i in range(n):
            started, cpu = time.perf_counter(), time.process_time()
            Store(f"sqlite:///{Path(tmp) / f'new{i}.db'}", throwaway=True).close()
            made.append(time.perf_counter() - started)
            made_cpu.append(time.process_time() - cpu)
            started = time.perf_counter()
            _migrate_url(f"sqlite:///{Path(tmp) / f'migrated{i}.db'}")
            migrated.append(time.perf_counter() - started)
    new_ms, mig_ms = statistics.median(made) * 1000, statistics.median(migrated) * 1000
    verdict = "met" if new_ms <= TARGET_MS else "MISSED"
    print(f"new workspace (SQLite file), median of {n}: {new_ms:.1f} ms from the schema template "
          f"(target ≤ {TARGET_MS:.0f} ms: {verdict}); {mig_ms:.1f} ms running every migration "
          f"({mig_ms / new_ms:.1f}x)")
    print(f"CPU to create and open a workspace, median of {n}: "
          f"{statistics.median(made_cpu) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
