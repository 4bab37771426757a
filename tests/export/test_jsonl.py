"""Events as JSON Lines: one parseable line per stored event, in order."""

from __future__ import annotations

import io
import json
from pathlib import Path

from otp_bench.export.jsonl import export_events, write_events
from tests.export.conftest import Planted


def test_one_line_per_event_oldest_first(planted: Planted) -> None:
    buf = io.StringIO()
    count = write_events(planted.store, buf)
    lines = buf.getvalue().splitlines()
    assert count == len(lines) == planted.store.event_count()
    events = [json.loads(line) for line in lines]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    kinds = [e["kind"] for e in events if e["flow_id"] == planted.login_flow]
    assert kinds[0] == "flow_started" and "verify" in kinds and "flags_changed" in kinds
    verify = [e for e in events if e["kind"] == "verify"]
    assert {v["result"] for v in verify} == {"invalid_code", "SUCCESS"}
    assert {"at", "summary", "data", "site", "user", "use_case", "step"} <= set(events[0])


def test_export_writes_a_file_whole(planted: Planted, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    export_events(planted.store, str(path))
    assert path.read_text("utf-8").count("\n") == planted.store.event_count()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
