"""Benchmark: where a complete flow's cost lies on PostgreSQL — this process's CPU, the server's
CPU for it, and the round trips and statements between them.

The flows are bench_engine.py's (init → the code from the inbox → verify, default provider).
The server's share is the CPU of the one backend serving the engine's steps, read from
``/proc/<pid>/stat`` before and after the timed flows, so the server must run on this machine
(as ``scripts/pg-test-server``'s does; otherwise it says so). Usage:

    scripts/pg-test-server sh -c \\
        '.venv/bin/python bench/bench_pg_costs.py --db "$OTP_BENCH_TEST_PG_URL"'
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_engine import WARMUP, _workspace  # noqa: E402
from bench_team import scratch_database  # noqa: E402

from otp_bench.engine.engine import Engine  # noqa: E402
from otp_bench.store.sql import Sql  # noqa: E402
from otp_bench.store.store import Store  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float | None:
    """A local process's CPU seconds (user + system), or None when it can't be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _statements() -> int:
    """Statements this process sent on the steps' pipelines so far (store.pg_pipe)."""
    from otp_bench.store.pg_pipe import PgPipe

    return PgPipe.statements


def _backend(engine: Engine) -> int:
    """The server process behind the engine's steps."""
    raw: Any = engine.store._step_conn().connection.dbapi_connection
    return int(raw.info.backend_pid)


def run(url: str, n: int) -> dict[str, float | None]:
    engine = Engine(Store(url, throwaway=True))
    try:
        per_user = engine.settings.otp.max_codes_per_hour
        users = _workspace(engine, math.ceil((n + WARMUP) / per_user))

        def flow(i: int) -> None:
            username, mobile = users[i // per_user]
            out = engine.start("passwordless_login", "Bench", username)
            code = engine.store.inbox(mobile, limit=1)[-1].otp
            if not out.ok or not engine.verify(out.flow_id, code or "").success:
                raise SystemExit(f"flow {i} failed: {out.detail}")

        for i in range(WARMUP):
            flow(i)
        backend = _backend(engine)
        server0, trips, sent = _cpu_of(backend), Sql.round_trips, _statements()
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(WARMUP, WARMUP + n):
            flow(i)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server1 = _cpu_of(backend)
        if _backend(engine) != backend:
            server1 = None  # the connection was replaced meanwhile: no figure
    finally:
        engine.close()
    server = server1 - server0 if server0 is not None and server1 is not None else None
    return {"flows_per_second": n / wall, "client_ms": cpu / n * 1000,
            "server_ms": server / n * 1000 if server is not None else None,
            "round_trips": (Sql.round_trips - trips) / n,
            "statements": (_statements() - sent) / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a PostgreSQL server URL (a scratch database "
                    "is made on it), e.g. $OTP_BENCH_TEST_PG_URL")
    ap.add_argument("--n", type=int, default=2000, help="complete flows to time (default 2000)")
    args = ap.parse_args(argv)
    with scratch_database(args.db) as url:
        res = run(url, args.n)
    server = res["server_ms"]
    print(f"{args.n} complete flows on PostgreSQL: {res['flows_per_second']:.0f} flows/s")
    print(f"  per flow: this process {res['client_ms']:.2f} ms CPU; "
          + (f"the server's backend {server:.2f} ms CPU; " if server is not None
             else "the server's CPU not readable (not a local server?); ")
          + f"{res['round_trips']:.1f} round trips, {res['statements']:.1f} statements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
