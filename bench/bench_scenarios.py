"""Benchmark: the shipped scenario suite run in parallel (as ``otp-bench run`` does) vs each file
alone (SPEC §4: the suite within 1 s of its longest file), measured in one process run so the
machine's load is shared by every figure.

    python bench/bench_scenarios.py [-j N] [--json] [--no-cli]

Prints: the parallel wall time (loading, warm-up and every file, as the CLI runs them) next to
the longest single file; the CPU the parallel run used (parent + workers) against what the cores
could give in that time; each file's wall and CPU alone; and, unless ``--no-cli``, the wall time
of ``otp-bench run -q`` end to end (a fresh interpreter: start-up and imports too) on the suite
and on its longest file alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from otp_bench import assets  # noqa: E402
from otp_bench.scenario.loader import load_scenario  # noqa: E402
from otp_bench.scenario.parallel import (  # noqa: E402
    cores,
    default_jobs,
    run_one,
    run_parallel,
    warm_up,
)
from otp_bench.scenario.schedule import expected_seconds  # noqa: E402


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _cli(jobs: int, files: list[str]) -> float | None:
    """Wall seconds of ``otp-bench run -q`` in a fresh interpreter (start-up and imports too)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "otp_bench", "run", "-q", "-j", str(jobs),
                           *files], capture_output=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        print(f"otp-bench run exited {done.returncode}", file=sys.stderr)
        return None
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-j", "--jobs", type=int, default=default_jobs())
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    args = ap.parse_args(argv)
    files = [str(p) for p in sorted(assets.path("scenarios").glob("*.yaml"))]
    # parallel first: workers are forked, and a parent that has run files itself holds
    # threads (the Apex runtime's) a fork shouldn't copy; the CLI's parent never runs one
    cpu0 = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    scenarios = [load_scenario(f) for f in files]
    warm_up()
    outcomes = list(run_parallel(files, args.jobs,
                                 costs=[expected_seconds(s) for s in scenarios]))
    parallel = time.perf_counter() - t0
    parallel_cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu0
    if not all(o.result is not None and o.result.passed for o in outcomes):
        print("a file failed in the parallel run", file=sys.stderr)
        return 1
    per_file: dict[str, tuple[float, float]] = {}
    for f in files:
        c0, t0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        outcome = run_one(f)
        per_file[Path(f).name] = (time.perf_counter() - t0, _cpu(resource.RUSAGE_SELF) - c0)
        if outcome.result is None or not outcome.result.passed:
            print(f"{f}: did not pass", file=sys.stderr)
            return 1
    serial = sum(w for w, _ in per_file.values())
    serial_cpu = sum(c for _, c in per_file.values())
    longest_name, (longest, _) = max(per_file.items(), key=lambda kv: kv[1][0])
    cli = cli_longest = None
    if not args.no_cli:
        cli = _cli(args.jobs, files)
        cli_longest = _cli(args.jobs, [str(assets.path("scenarios", longest_name))])
        if cli is None or cli_longest is None:
            return 1
    n = cores()
    res = {"files": len(files), "jobs": args.jobs, "cores": n,
           "parallel_seconds": parallel, "parallel_cpu_seconds": parallel_cpu,
           "longest_file": longest_name, "longest_file_seconds": longest,
           "over_longest_seconds": parallel - longest,
           "serial_seconds": serial, "serial_cpu_seconds": serial_cpu,
           "cli_seconds": cli, "cli_longest_file_seconds": cli_longest,
           "per_file": {k: {"wall": w, "cpu": c} for k, (w, c) in per_file.items()}}
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"{len(files)} shipped scenario files, {n} core(s), -j {args.jobs}")
    print(f"  parallel: {parallel:.2f} s wall; longest file {longest_name} {longest:.2f} s alone "
          f"(parallel is {parallel - longest:+.2f} s over it)")
    print(f"  parallel CPU: {parallel_cpu:.2f} s (parent + workers); {n} core(s) give "
          f"{n * parallel:.2f} s in that wall time, {n * (longest + 1):.2f} s in longest + 1 s")
    print(f"  each file alone: {serial:.2f} s wall, {serial_cpu:.2f} s CPU in all")
    if cli is not None and cli_longest is not None:
        print(f"  otp-bench run -q, end to end (a fresh process): the suite {cli:.2f} s, its "
              f"longest file alone {cli_longest:.2f} s ({cli - cli_longest:+.2f} s)")
    for name, (w, c) in sorted(per_file.items(), key=lambda kv: -kv[1][0])[:5]:
        print(f"    {w:5.2f} s wall {c:5.2f} s CPU  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
