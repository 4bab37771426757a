"""Benchmark: the shipped scenario suite run serially vs ``-j N`` (SPEC: within 1 s of its
longest file), measured in one process run so the machine's load is shared by both figures.

    python bench/bench_scenarios.py [-j N] [--json]

Prints each file's serial wall time, the serial total, and the parallel wall time next to the
longest single file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from otp_bench import assets  # noqa: E402
from otp_bench.scenario.parallel import default_jobs, run_one, run_parallel  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-j", "--jobs", type=int, default=default_jobs())
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = [str(p) for p in sorted(assets.path("scenarios").glob("*.yaml"))]
    # parallel first: workers are forked, and a parent that has run files itself holds
    # threads (the Apex runtime's) a fork shouldn't copy; the CLI's parent never runs one
    t0 = time.perf_counter()
    outcomes = list(run_parallel(files, args.jobs))
    parallel = time.perf_counter() - t0
    if not all(o.result is not None and o.result.passed for o in outcomes):
        print("a file failed in the parallel run", file=sys.stderr)
        return 1
    per_file: dict[str, float] = {}
    started = time.perf_counter()
    for f in files:
        t0 = time.perf_counter()
        outcome = run_one(f)
        per_file[Path(f).name] = time.perf_counter() - t0
        if outcome.result is None or not outcome.result.passed:
            print(f"{f}: did not pass", file=sys.stderr)
            return 1
    serial = time.perf_counter() - started
    longest_name, longest = max(per_file.items(), key=lambda kv: kv[1])
    res = {"files": len(files), "jobs": args.jobs, "serial_seconds": serial,
           "parallel_seconds": parallel, "longest_file": longest_name,
           "longest_file_seconds": longest, "over_longest_seconds": parallel - longest}
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"{len(files)} shipped scenario files")
        print(f"  serial: {serial:.2f} s; -j {args.jobs}: {parallel:.2f} s wall; longest file "
              f"{longest_name} {longest:.2f} s (parallel is {parallel - longest:+.2f} s over it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
