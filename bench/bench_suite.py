"""Wall and CPU time of a test suite (``make test-core`` by default), this tree against another
commit in the same run.

    python bench/bench_suite.py                      # make test-core, 3 runs
    python bench/bench_suite.py --old main~5         # alternating with main~5's tree
    python bench/bench_suite.py --target test-pg --runs 2 --old 723d2af

``--old REF`` checks REF out into a detached worktree (a temp dir, removed afterwards) and runs
its own Makefile target with this tree's ``.venv`` (linked in; ``make -o`` keeps it from
reinstalling): Python imports ``otp_bench`` from the working directory first, so each side runs
its own code. Runs alternate (old, new, old, new, ...) so both see the same machine.

CPU is the user+system time of every process the target started (pytest, its workers, the
servers and second processes the tests start). On Linux this script makes itself the
"subreaper" of what it starts, so processes whose parent exits before reaping them (the
PostgreSQL server ``scripts/pg-test-server`` starts with ``pg_ctl``, a multiprocessing
forkserver and the workers it forked) come back to it once they end, and their CPU is counted
too: they share the machine's cores with the tests. Their share is printed apart, PostgreSQL's
on its own. The load average is printed with each run: on a shared machine wall time follows
it, CPU time much less.
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


def _become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _reap_orphans(deadline_s: float = 30.0) -> dict[str, float]:
    """CPU-s of the re-parented processes that ended, by name (``postgres`` or ``other``); waits
    up to ``deadline_s`` for those still running (a server being stopped)."""
    shares: dict[str, float] = {"postgres": 0.0, "other": 0.0}
    end = time.monotonic() + deadline_s
    while True:
        try:  # peek first: an ended process's name stays readable until it is reaped
            ended = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return shares
        if ended is None:
            if time.monotonic() > end:
                print("  (processes still running after the target ended: not counted)")
                return shares
            time.sleep(0.05)
            continue
        try:
            name = Path(f"/proc/{ended.si_pid}/comm").read_text().strip()
        except OSError:
            name = ""
        _, _, usage = os.wait4(ended.si_pid, 0)
        key = "postgres" if name.startswith("postgres") else "other"
        shares[key] += usage.ru_utime + usage.ru_stime


def run_once(tree: Path, target: str, extra: str,
             ) -> tuple[float, float, int, str, dict[str, float]]:
    """Wall s, CPU s, exit code, pytest's summary line and the orphans' CPU-s by name of one
    ``make TARGET`` in ``tree``."""
    cmd = ["make", "-s", "-o", ".venv/.installed", target]
    if extra:
        cmd.append(f"PYTEST_ARGS={extra}")
    cpu0, wall0 = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - wall0
    orphans = _reap_orphans()
    cpu = _cpu_of_children() - cpu0
    lines = [ln.strip(" =") for ln in (done.stdout + done.stderr).splitlines()]
    found = [ln for ln in lines if re.match(r"\d+ (passed|failed|errors?)\b", ln)]
    summary = found[-1] if found else (lines[-1] if lines else "")
    return wall, cpu, done.returncode, summary, orphans


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
    if not _become_subreaper():
        print("bench_suite: not Linux: processes that outlive their parent aren't counted")
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
                wall, cpu, code, summary, orphans = run_once(tree, args.target, extra)
                figures[name].append((wall, cpu))
                print(f"  {name:<14} run {i}: {wall:6.1f} s wall {cpu:6.1f} CPU-s (PostgreSQL "
                      f"{orphans['postgres']:.1f}, other orphans {orphans['other']:.1f})  exit "
                      f"{code}  load {load:4.1f} at start  {summary}", flush=True)
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
