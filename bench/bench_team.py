"""Benchmark: a team workspace — flows per second on it, and how soon another instance sees a
change (SPEC §4: ≥ 300 complete flows/s on PostgreSQL; a change shown elsewhere < 1 s).

    python bench/bench_team.py --db URL [--n 2000] [--changes 30] [--json]
    scripts/pg-test-server sh -c 'python bench/bench_team.py --db "$OTP_BENCH_TEST_PG_URL"'

``--db`` names a PostgreSQL server (any database on it) or a SQLite file path/URL. On PostgreSQL
the bench makes a throwaway database next to the one named (it needs CREATEDB) and drops it at the
end, so it never writes into a real workspace. The live latency is measured with a real second
process following the workspace (``Engine.follow``): the time from a commit here to that process
publishing the change.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from otp_bench.domain.workspace import Workspace  # noqa: E402

PG_TARGET = 300.0
LIVE_TARGET_MS = 1000.0

FOLLOWER = """
    import sys, time
    from otp_bench.engine.engine import Engine
    eng = Engine.open(sys.argv[1], throwaway=True)
    def seen(batch):
        for c in batch.changes:
            if c.name.startswith("live-"):
                print(c.name, time.time(), flush=True)
    eng.events.subscribe(seen)
    eng.follow()
    print("ready", flush=True)
    sys.stdin.readline()
    eng.close()
"""


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A fresh, empty workspace database for the run: on PostgreSQL a throwaway database on the
    server ``url`` names (dropped afterwards); a SQLite file in a temp dir otherwise."""
    ws = Workspace.parse(url)
    if not ws.url.startswith("postgresql"):
        with tempfile.TemporaryDirectory(prefix="otp-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    server = make_url(ws.url)
    name = "otp_bench_bench_" + secrets.token_hex(4)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def live_latency(url: str, changes: int) -> dict[str, float]:
    """Milliseconds from a commit in this process to a second process publishing it."""
    from otp_bench.engine.engine import Engine

    eng = Engine.open(url, throwaway=True)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(FOLLOWER), url], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OTP_BENCH_NO_QT": "1"},
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("the follower process didn't start")
        site = eng.new_site("Live")
        seen: list[float] = []
        for i in range(changes):
            committed = time.time()
            eng.new_user(f"live-{i}@example.com", sites=frozenset({site.id}))
            line = child.stdout.readline().split()  # the follower prints what it saw, when
            if len(line) != 2 or line[0] != f"live-{i}@example.com":
                raise SystemExit(f"the follower said {line!r}")
            seen.append((float(line[1]) - committed) * 1000)
            time.sleep(0.05)  # changes apart, as people make them
    finally:
        child.stdin.close()
        child.wait(timeout=30)
        eng.close()
    ordered = sorted(seen)
    return {"changes": changes, "mean_ms": statistics.fmean(ordered),
            "p50_ms": ordered[len(ordered) // 2],
            "p90_ms": ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)],
            "max_ms": ordered[-1]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", metavar="URL", required=True,
                    help="a PostgreSQL server URL (a throwaway database is made on it) or a "
                         "SQLite file")
    ap.add_argument("--n", type=int, default=2000, help="complete flows to time (default 2000)")
    ap.add_argument("--changes", type=int, default=30, help="changes to time (default 30)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_engine

    out: dict[str, Any] = {"workspace": Workspace.parse(args.db).display}
    with scratch_database(args.db) as url:
        out["flows"] = bench_engine.run(args.n, url=url)
    with scratch_database(args.db) as url:
        out["live"] = live_latency(url, args.changes)
    pg = out["workspace"].startswith("postgresql")
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    f, live = out["flows"], out["live"]
    kind = "PostgreSQL" if pg else "SQLite"
    print(f"team workspace on {kind} ({out['workspace']})")
    met = "met" if f["flows_per_second"] >= PG_TARGET else "MISSED"
    target = f" (target ≥ {PG_TARGET:.0f}: {met})" if pg else ""
    print(f"  {f['flows_per_second']:.0f} complete passwordless logins per second{target}, "
          f"{f['flows']} flows in {f['wall_seconds']:.2f} s")
    print(f"  a change made here, seen by another process: p50 {live['p50_ms']:.0f} ms  "
          f"p90 {live['p90_ms']:.0f} ms  max {live['max_ms']:.0f} ms over {live['changes']} "
          f"changes (target < {LIVE_TARGET_MS:.0f} ms: "
          f"{'met' if live['max_ms'] < LIVE_TARGET_MS else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
