"""Benchmark: a complete flow on PostgreSQL, this tree against another commit, alternating in one
run on one server (SPEC §4: ≥ 300 complete flows/s, a flow ≤ 3.33 ms of engine time).

On this shared 2-core machine a figure moves by ±25 % from run to run with the host's load, so
a change is only judged against the old code run in the same session: each round runs
``bench_engine.py --db`` (engine time per flow, end to end) and ``bench_pg_costs.py`` (this
process's and the server backend's CPU per flow, round trips, statements) in each tree in turn,
on the same throwaway server, and prints every run, the medians and the best run of each figure.
CPU per flow and round trips are the figures that follow the code; wall figures follow the load
(printed with each run), so many short alternating runs judge a change better than a few long
ones.

    scripts/pg-test-server sh -c \\
        '.venv/bin/python bench/bench_pg_ab.py --db "$OTP_BENCH_TEST_PG_URL" --old main~3'

``--old REF`` checks REF out into a detached worktree (a temp dir, removed afterwards) and runs
its own bench scripts with this tree's Python: each side imports its own ``otp_bench``.
``--tree DIR`` (repeatable) adds an existing checkout instead, e.g. one with an experiment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_COSTS = re.compile(
    r"(?P<e2e>[\d.]+) flows/s.*?this process (?P<client>[\d.]+) ms CPU; the server's backend "
    r"(?P<server>[\d.]+) ms CPU; (?P<trips>[\d.]+) round trips, (?P<stmts>[\d.]+) statements",
    re.S,
)
# (label, key, format) of each figure, in the order printed
_FIGURES = [
    ("engine flows/s", "engine_fps", "{:.0f}"),
    ("engine ms mean", "engine_mean", "{:.2f}"),
    ("engine ms p50", "engine_p50", "{:.2f}"),
    ("end to end /s", "e2e_fps", "{:.0f}"),
    ("client CPU ms", "client_ms", "{:.2f}"),
    ("server CPU ms", "server_ms", "{:.2f}"),
    ("round trips", "trips", "{:.1f}"),
    ("statements", "statements", "{:.1f}"),
]


def _run(tree: Path, script: str, args: list[str]) -> str:
    done = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=tree,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: bench/{script} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def measure(tree: Path, db: str, n: int) -> dict[str, float]:
    """One round's figures for ``tree``: the engine bench, then the costs bench."""
    engine = json.loads(_run(tree, "bench_engine.py", ["--json", "--n", str(n), "--db", db]))
    costs = _COSTS.search(_run(tree, "bench_pg_costs.py", ["--n", str(n), "--db", db]))
    if costs is None:
        raise SystemExit(f"{tree}: bench_pg_costs.py printed no figures")
    own = engine["engine_ms_per_flow"]
    return {
        "load": os.getloadavg()[0],
        "engine_fps": engine["engine_flows_per_second"], "engine_mean": own["mean"],
        "engine_p50": own["p50"], "e2e_fps": engine["flows_per_second"],
        "client_ms": float(costs["client"]), "server_ms": float(costs["server"]),
        "trips": float(costs["trips"]), "statements": float(costs["stmts"]),
    }


def _old_tree(ref: str, where: Path) -> Path:
    tree = where / "old"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True,
                   capture_output=True)
    return tree


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a PostgreSQL server URL, e.g. "
                    "$OTP_BENCH_TEST_PG_URL (each bench makes a scratch database on it)")
    ap.add_argument("--old", metavar="REF", help="a commit to run against this tree")
    ap.add_argument("--tree", action="append", default=[], metavar="DIR",
                    help="another checkout to run as well (repeatable)")
    ap.add_argument("--runs", type=int, default=3, help="rounds, alternating (default 3)")
    ap.add_argument("--n", type=int, default=1500, help="flows per bench run (default 1500)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otp-bench-ab-") as tmp:
        trees: dict[str, Path] = {}
        if args.old:
            trees[f"old {args.old}"] = _old_tree(args.old, Path(tmp))
        trees["this tree"] = ROOT
        for extra in args.tree:
            trees[extra] = Path(extra).resolve()
        results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        try:
            for run in range(1, args.runs + 1):
                for name, tree in trees.items():
                    got = measure(tree, args.db, args.n)
                    results[name].append(got)
                    print(f"run {run} {name} (load {got['load']:.1f}): " + ", ".join(
                        f"{label} {fmt.format(got[key])}" for label, key, fmt in _FIGURES),
                        flush=True)
        finally:
            if args.old:
                subprocess.run(["git", "worktree", "remove", "--force", str(trees[
                    f"old {args.old}"])], cwd=ROOT, check=False, capture_output=True)
    width = max(len(name) for name in results)
    for title, pick in (("medians", statistics.median), ("best", None)):
        # best: the run least held up by the machine's other load (the highest rates, the
        # lowest times; round trips and statements don't vary)
        print(f"\n{title} of {args.runs} runs, {args.n} flows each:")
        print(" " * (width + 2) + "  ".join(f"{label:>14}" for label, _, _ in _FIGURES))
        for name, runs in results.items():
            cells = []
            for _, key, fmt in _FIGURES:
                values = [r[key] for r in runs]
                best = max(values) if key.endswith("fps") else min(values)
                cells.append(fmt.format(pick(values) if pick else best))
            print(f"{name:<{width}}  " + "  ".join(f"{c:>14}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
