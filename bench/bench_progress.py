"""Benchmark: what the progress bar costs a long export, and what it adds to a pipe (nothing).

Fills a workspace with N events (default 100k, as bench_export does), then runs the real command
``otp-bench export events FILE`` three ways, each in a fresh process: on a pseudo-terminal (the
bar drawn), on a pseudo-terminal with ``-q`` (no bar), and with stdout/stderr on pipes. Prints
wall time per run (best of --repeat) and the bytes each wrote besides the data.

    python bench/bench_progress.py [--events 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import errno
import os
import pty
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from bench.bench_export import fill  # noqa: E402


def _terminal(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    leader, follower = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                            env=env)
    os.close(follower)
    seen = 0
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        seen += len(chunk)
    os.close(leader)
    proc.wait()
    return time.perf_counter() - t0, seen


def _pipe(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=True)
    return time.perf_counter() - t0, len(done.stdout) + len(done.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otp-bench-progress-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'big.db'}"
        counts = fill(url, args.events)
        env = {**os.environ, "OTP_BENCH_SECRETS": "file", "OTP_BENCH_KEY_STORE": "file",
               "TERM": "xterm-256color",
               "COLUMNS": "100", "OTP_BENCH_LOG_DIR": str(Path(tmp) / "logs")}
        out = str(Path(tmp) / "events.jsonl")
        cmd = [sys.executable, "-m", "otp_bench", "--db", url, "export", "events", out]
        runs = {
            "terminal, bar drawn": lambda: _terminal(cmd, env),
            "terminal, -q": lambda: _terminal([*cmd, "-q"], env),
            "pipes": lambda: _pipe(cmd, env),
        }
        print(f"otp-bench export events: {counts['events']:,} events, best of {args.repeat}")
        print(f"  {'how':<22}{'wall s':>8}{'bytes besides the data':>26}")
        for name, run in runs.items():
            best = min((run() for _ in range(args.repeat)), key=lambda r: r[0])
            print(f"  {name:<22}{best[0]:>8.2f}{best[1]:>26,}")
    print("\nwall s includes Python start-up and opening the workspace; timings are noisy on a "
          "shared machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
