"""Benchmark: exports of a large workspace stream with flat memory (JSON Lines, HAR, report).

Fills a SQLite workspace with N events (default 100k): one real passwordless login through the
engine gives the template of a flow (its events, its flow row), which is copied with new flow
ids by bulk insert, plus one Twilio-shaped callout per flow. Then each export runs twice: once
for wall time, once under tracemalloc for the peak of Python allocations. For comparison, the
last row loads every event into a list at once — what an exporter that doesn't stream would do.

    python bench/bench_export.py [--events 100000] [--sizes 10000,100000] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from otp_bench.domain.callout import CalloutRecord, HttpMessage  # noqa: E402
from otp_bench.domain.flags import Flags  # noqa: E402
from otp_bench.domain.vocabulary import DeliveryResult  # noqa: E402
from otp_bench.engine.clock import FrozenClock  # noqa: E402
from otp_bench.engine.engine import Engine  # noqa: E402
from otp_bench.export.har import export_har  # noqa: E402
from otp_bench.export.jsonl import export_events  # noqa: E402
from otp_bench.export.report import export_report  # noqa: E402
from otp_bench.store import convert as cv  # noqa: E402
from otp_bench.store.orm import CalloutRow, EventRow, FlowRow  # noqa: E402
from otp_bench.store.store import Store  # noqa: E402

BATCH = 5000


def fill(url: str, n_events: int) -> dict[str, int]:
    """A workspace with about ``n_events`` events, in flows copied from one real login."""
    engine = Engine(Store(url, throwaway=True), FrozenClock())
    engine.save_settings(replace(engine.settings, custom_otp_enabled=True))
    site = engine.new_site("Customers", url_prefix="customers")
    engine.new_user("ana@example.com", mobile="+1 415 555 2671", sites=frozenset({site.id}),
                    first_name="Ana", flags=Flags(user_verified=True))
    init = engine.start("passwordless_login", "Customers", "ana@example.com")
    engine.verify(init.flow_id, "000000")  # a wrong code first: a failure row in the report
    code = next(m.otp for m in reversed(engine.store.inbox(init.phone or "")) if m.otp)
    engine.verify(init.flow_id, code or "")
    store = engine.store
    template = store.events(flow_id=init.flow_id)
    flow_row = next(f for f in store.flows() if f["id"] == init.flow_id)
    per_flow = len(template)
    flows = max(1, (n_events - store.event_count()) // per_flow)
    callout = CalloutRecord(
        flow_id="", provider="twilio-sandbox", started_at=flow_row["started_at"], method="POST",
        url="https://api.twilio.com/2010-04-01/Accounts/AC…REDACTED/Messages.json",
        request=HttpMessage((("Authorization", "Basic REDACTED"),
                             ("Content-Type", "application/x-www-form-urlencoded")),
                            "To=%2B14155552671&From=%2B15005550006&Body=••••••+is+your+code"),
        status=201, response=HttpMessage((("Content-Type", "application/json"),),
                                         json.dumps({"sid": "SM" + "0" * 32, "status": "queued",
                                                     "body": "•••••• is your code"})),
        elapsed_ms=42.0, result=DeliveryResult.SUCCESS, rule="status 201 → SUCCESS",
    )
    start = flow_row["started_at"]
    done = 0
    while done < flows:
        chunk = range(done, min(flows, done + BATCH))
        ev_rows, flow_rows, callout_rows = [], [], []
        for i in chunk:
            fid = f"flw_{i:016x}"
            shift = timedelta(seconds=i)
            for rec in template:
                ev_rows.append(cv.event_values(replace(rec, flow_id=fid, at=rec.at + shift)))
            flow_rows.append({**flow_row, "id": fid, "started_at": start + shift,
                              "identifier": None})
            callout_rows.append(cv.callout_values(replace(callout, flow_id=fid,
                                                          started_at=start + shift)))
        with store.transaction() as tx:
            tx.session.execute(insert(FlowRow), flow_rows)
            tx.session.execute(insert(EventRow), ev_rows)
            tx.session.execute(insert(CalloutRow), callout_rows)
        done = chunk.stop
    counts = {"events": store.event_count(), "flows": flows + 1,
              "callouts": len(store.callouts(limit=10**9))}
    engine.close()
    return counts


def measure(fn: Callable[[], Any]) -> tuple[float, float]:
    """(seconds, peak MB of Python allocations): one plain run, one under tracemalloc."""
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6


def run(n_events: int, tmp: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp / f'export-{n_events}.db'}"
    t0 = time.perf_counter()
    counts = fill(url, n_events)
    fill_s = time.perf_counter() - t0
    store = Store(url, throwaway=True)
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    results: dict[str, Any] = {"counts": counts, "fill_s": round(fill_s, 2), "exports": {}}
    jobs: dict[str, Callable[[], Any]] = {
        "events.jsonl": lambda: export_events(store, str(out / "events.jsonl")),
        "callouts.har": lambda: export_har(store, str(out / "callouts.har")),
        "report.md": lambda: export_report(store, str(out / "report.md")),
        "(all events in one list)": lambda: len(store.events()),
    }
    for name, job in jobs.items():
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds, peak = measure(job)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        path = out / name
        results["exports"][name] = {
            "seconds": round(seconds, 2), "peak_mb": round(peak, 1),
            "size_mb": round(path.stat().st_size / 1e6, 1) if path.exists() else None,
            "maxrss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        }
    store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--sizes", help="comma-separated event counts, e.g. 10000,100000")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.events]
    report = {}
    with tempfile.TemporaryDirectory(prefix="otp-bench-export-") as tmp:
        for n in sizes:
            report[n] = run(n, Path(tmp))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for r in report.values():
        c = r["counts"]
        print(f"\n{c['events']:,} events, {c['flows']:,} flows, {c['callouts']:,} callouts "
              f"(filled in {r['fill_s']} s)")
        print(f"  {'export':<26}{'time s':>8}{'peak MB':>9}{'file MB':>9}{'RSS +MB':>9}")
        for name, e in r["exports"].items():
            size = "" if e["size_mb"] is None else f"{e['size_mb']:.1f}"
            print(f"  {name:<26}{e['seconds']:>8.2f}{e['peak_mb']:>9.1f}{size:>9}"
                  f"{e['maxrss_growth_mb']:>9.1f}")
    buf = io.StringIO()
    print("\npeak MB = tracemalloc peak of Python allocations during the export "
          "(second run); RSS +MB = growth of the process's max RSS.", file=buf)
    print(buf.getvalue(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
