"""Benchmark: what one statement costs the client on this machine, through psycopg's Cursor and
through the steps' own path (store.pg_pipe: libpq's pipeline and psycopg's C Transformer), the
floor under bench_engine.py --db on PostgreSQL (a complete flow: 20 statements in 7 round trips).

Ten trivial statements per transaction (nine one-row INSERTs and a COUNT read back): through a
Cursor in pipeline mode and one by one, and through ``PgPipe`` (one sync per transaction, as a
step sends them). CPU is this process's, so the server's share isn't in it.

    scripts/pg-test-server sh -c \\
        '.venv/bin/python bench/bench_pg_driver.py --db "$OTP_BENCH_TEST_PG_URL"'
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otp_bench.store.pg_pipe import PgPipe

_INSERT = "INSERT INTO bench_t (a) VALUES ({})"
_COUNT = "SELECT count(*) FROM bench_t WHERE a = {}"
_INFO: dict[str, Any] = {}  # as a pool record's ``info`` keeps the connection's pipe


def run(conn: psycopg.Connection[Any], n: int, mode: str) -> tuple[float, float]:
    """(CPU µs, wall µs) per statement over ``n`` statements."""
    cpu, wall = time.process_time(), time.perf_counter()
    if mode == "pg_pipe":
        pipe = PgPipe.of(_INFO, conn)
        for _ in range(n // 10):
            for _ in range(9):
                pipe.send(_INSERT.format("$1"), ("x",))
            count = pipe.send(_COUNT.format("$1"), ("x",))
            pipe.wait(count)
            pipe.rows(count).fetchall()
            pipe.sync()
    else:
        for _ in range(n // 10):
            with conn.transaction():
                if mode == "pipeline":
                    with conn.pipeline():
                        for _ in range(9):
                            conn.execute(_INSERT.format("%s"), ("x",))
                        conn.execute(_COUNT.format("%s"), ("x",)).fetchall()
                else:
                    for _ in range(9):
                        conn.execute(_INSERT.format("%s"), ("x",))
                    conn.execute(_COUNT.format("%s"), ("x",)).fetchall()
    return ((time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a PostgreSQL URL (a temporary table is used)")
    ap.add_argument("--n", type=int, default=5000, help="statements per mode (default 5000)")
    args = ap.parse_args()
    url = args.db.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE bench_t (id serial PRIMARY KEY, a text)")
        print(f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}), "
              f"{args.n} statements per mode")
        names = {"pipeline": "Cursor, pipeline", "one by one": "Cursor, one by one",
                 "pg_pipe": "store.pg_pipe"}
        for mode in ("pipeline", "one by one", "pg_pipe") * 2:
            cpu, wall = run(conn, args.n, mode)
            print(f"  {names[mode]:<20}  {cpu:6.0f} µs CPU, {wall:6.0f} µs wall per statement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
