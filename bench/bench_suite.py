"""Wall and CPU time of a test suite (``make test-core`` by default), this tree against another
commit in the same run.

    python bench/bench_suite.py                      # make test-core, 3 runs
    python bench/bench_suite.py --old main~5         # alternating with main~5's tree
    python bench/bench_suite.py --target test-pg --runs 2 --old 723d2af

``--old REF`` checks REF out into a detached worktree (a temp dir, removed afterwards) and runs
its own Makefile target with this tree's ``.venv`` (linked in; ``make -o`` keeps it from
reinstalling): Python imports ``otp_bench`` from the working directory first, so each side runs
its own code. Runs alternate (old, new, old, new, ...) so both see the same machine.

CPU is the user+system time of every process the target waited for (pytest, its workers, the
servers and second processes the tests start); a PostgreSQL server started by
``scripts/pg-test-server`` runs detached and isn't counted. The load average is printed with
each run: on a shared machine wall time follows it, CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(tree: Path, target: str, extra: str) -> tuple[float, float, int, str]:
    """Wall s, CPU s, exit code and pytest's summary line of one ``make TARGET`` in ``tree``."""
    cmd = ["make", "-s", "-o", ".venv/.installed", target]
    if extra:
        cmd.append(f"PYTEST_ARGS={extra}")
    cpu0, wall0 = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - wall0, _cpu_of_children() - cpu0
    lines = [ln.strip(" =") for ln in (done.stdout + done.stderr).splitlines()]
    found = [ln for ln in lines if re.match(r"\d+ (passed|failed|errors?)\b", ln)]
    summary = found[-1] if found else (lines[-1] if lines else "")
    return wall, cpu, done.returncode, summary


def old_tree(ref: str, where: Path) -> Path:
    tree = where / "old"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT,
                   check=True, capture_output=True)
    (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="test-core", help="make target (default test-core)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--old", metavar="REF", help="also run this commit's tree, alternating")
    ap.add_argument("--pytest-args", default="", help="PYTEST_ARGS for this tree's runs")
    args = ap.parse_args()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        print("bench_suite: no .venv here: run make .venv/.installed first", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    trees = [("new", ROOT)]
    try:
        if args.old:
            trees.insert(0, (f"old {args.old}", old_tree(args.old, tmp)))
        print(f"make {args.target}, {args.runs} run(s) each, {os.cpu_count()} CPUs")
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
        for i in range(1, args.runs + 1):
            for name, tree in trees:
                load = os.getloadavg()[0]
                extra = args.pytest_args if tree == ROOT else ""
                wall, cpu, code, summary = run_once(tree, args.target, extra)
                figures[name].append((wall, cpu))
                print(f"  {name:<14} run {i}: {wall:6.1f} s wall {cpu:6.1f} CPU-s  exit {code}  "
                      f"load {load:4.1f} at start  {summary}", flush=True)
        for name, runs in figures.items():
            walls, cpus = sorted(w for w, _ in runs), sorted(c for _, c in runs)
            print(f"{name:<16} wall {walls[0]:.1f}-{walls[-1]:.1f} s, "
                  f"CPU {cpus[0]:.1f}-{cpus[-1]:.1f} s")
    finally:
        if args.old:
            subprocess.run(["git", "worktree", "remove", "--force", str(tmp / "old")], cwd=ROOT,
                           check=False, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
