"""Benchmark: what one statement costs psycopg itself on this machine (the floor under
bench_engine.py --db on PostgreSQL, where a complete flow runs about 20 statements in 8 round
trips).

Ten trivial statements per transaction (nine one-row INSERTs and a COUNT), in pipeline mode
(as the engine's steps run) and without; CPU is this process's, so the server's share isn't in it.

    scripts/pg-test-server sh -c 'python bench/bench_pg_driver.py --db "$OTP_BENCH_TEST_PG_URL"'
"""

from __future__ import annotations

import argparse
import time

import psycopg


def run(conn: psycopg.Connection, n: int, pipeline: bool) -> tuple[float, float]:
    """(CPU µs, wall µs) per statement over ``n`` statements."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n // 10):
        if pipeline:
            with conn.pipeline():
                for _ in range(9):
                    conn.execute("INSERT INTO bench_t (a) VALUES (%s)", ("x",))
                conn.execute("SELECT count(*) FROM bench_t WHERE a = %s", ("x",)).fetchall()
        else:
            for _ in range(9):
                conn.execute("INSERT INTO bench_t (a) VALUES (%s)", ("x",))
            conn.execute("SELECT count(*) FROM bench_t WHERE a = %s", ("x",)).fetchall()
        conn.commit()
    return ((time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a PostgreSQL URL (a temporary table is used)")
    ap.add_argument("--n", type=int, default=5000, help="statements per mode (default 5000)")
    args = ap.parse_args()
    url = args.db.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMPORARY TABLE bench_t (id serial PRIMARY KEY, a text)")
        conn.commit()
        print(f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}), "
              f"{args.n} statements per mode")
        for mode in (True, False, True, False):
            cpu, wall = run(conn, args.n, mode)
            name = "pipeline" if mode else "one by one"
            print(f"  {name:<10}  {cpu:6.0f} µs CPU, {wall:6.0f} µs wall per statement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
