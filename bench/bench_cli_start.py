"""Benchmark: what an ``otp-bench`` command costs to start, in CPU seconds of its process.

Every command a user (or a test) starts pays Python's start-up and the imports of what it needs
before it does anything. This runs each command in its own process, several times, and prints
the median and lowest CPU (user + system, from the reaped child's rusage) and wall time:

- ``--version``;
- ``export events FILE`` on a workspace holding one scenario run's events;
- ``run -q`` of the shipped default passwordless scenario (its own throwaway workspace);
- ``headless --port 0`` on that workspace and ``mock-provider --port 0``: started, read up to
  the line saying Ctrl-C stops them (they are serving), then stopped with SIGINT as by Ctrl-C.

    .venv/bin/python bench/bench_cli_start.py                 # this tree, 5 runs of each
    .venv/bin/python bench/bench_cli_start.py --old main~3    # and main~3's tree, alternating

``--old REF`` checks REF out into a detached worktree (a temp dir, removed afterwards); each
process runs with its tree as the working directory, so it imports that tree's ``otp_bench``
with this tree's Python and packages. Byte-code is written and a first run of each command is
not counted, as after an install. The host varies ±25 % between runs: compare trees within one
run of this script, not across runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "resources/scenarios/passwordless_login_default.yaml"


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(OTP_BENCH_SECRETS="file", OTP_BENCH_KEY_STORE="file",
               OTP_BENCH_LOG_DIR=str(tmp / "logs"), XDG_DATA_HOME=str(tmp / "data"))
    return env


# a serving command is measured up to the line saying it serves, then stopped as by Ctrl-C
SERVING = "Ctrl-C stops"


def cpu_of(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(CPU-s, wall s) of one process running ``python -m otp_bench *argv`` in ``cwd``."""
    serves = argv[0] in ("headless", "mock-provider")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "otp_bench", *argv], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE if serves else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    if serves:
        assert proc.stdout is not None
        for line in proc.stdout:  # ends early if it exits: the exit code below says why
            if SERVING in line.decode(errors="replace"):
                proc.send_signal(signal.SIGINT)
                break
        proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # a serving command may say 130: the Ctrl-C came just after its banner, before its server
    # took the signal over; it stopped all the same
    if proc.returncode != 0 and not (serves and proc.returncode == 130):
        raise SystemExit(f"{cwd}: otp-bench {' '.join(argv)} exited {proc.returncode}:\n"
                         f"{err.decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime, wall


def commands(tree: Path, tmp: Path) -> dict[str, list[str]]:
    """The commands measured, with a workspace of the tree's own for ``export events``."""
    work = tmp / tree.name
    work.mkdir(exist_ok=True)
    db = work / "ws.db"
    if not db.exists():  # one scenario run's workspace: a site, a user, a flow's events
        cpu_of(["run", "-q", "--db", str(db), SCENARIO], tree, _env(tmp))
    return {
        "--version": ["--version"],
        "export events": ["--db", str(db), "export", "events", str(work / "events.jsonl")],
        "run -q (default scenario)": ["run", "-q", SCENARIO],
        "headless (to serving)": ["headless", "--port", "0", "--db", str(db)],
        "mock-provider (to serving)": ["mock-provider", "--port", "0"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", metavar="REF", help="also run this commit's tree, alternating")
    ap.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otp-bench-cli-") as tmp_name:
        tmp = Path(tmp_name)
        trees = {"this tree": ROOT}
        if args.old:
            old = tmp / "old"
            subprocess.run(["git", "worktree", "add", "--detach", str(old), args.old], cwd=ROOT,
                           check=True, capture_output=True)
            trees = {f"old {args.old}": old, **trees}
        try:
            cmds = {name: commands(tree, tmp) for name, tree in trees.items()}
            for name, tree in trees.items():  # warm-up, not counted: byte-code written
                for argv_ in cmds[name].values():
                    cpu_of(argv_, tree, _env(tmp))
            got: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.runs):
                for label in cmds["this tree"]:
                    for name, tree in trees.items():
                        got.setdefault((label, name), []).append(
                            cpu_of(cmds[name][label], tree, _env(tmp)))
        finally:
            if args.old:
                subprocess.run(["git", "worktree", "remove", "--force", str(trees[
                    f"old {args.old}"])], cwd=ROOT, check=False, capture_output=True)
    load = os.getloadavg()[0]
    print(f"CPU-s of one process (median / lowest of {args.runs}), wall s median; "
          f"load {load:.1f} at the end")
    width = max(len(label) + len(name) for label, name in got) + 3
    for (label, name), runs in got.items():
        cpu = [c for c, _ in runs]
        wall = [w for _, w in runs]
        print(f"{label + ' · ' + name:<{width}}  CPU {statistics.median(cpu):.3f} / "
              f"{min(cpu):.3f}   wall {statistics.median(wall):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
