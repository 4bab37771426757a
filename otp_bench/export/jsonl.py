"""Events as JSON Lines: one event per line, oldest first, streamed straight from the store.

Events never carry an OTP or a secret (the engine masks handler inputs); the workspace's
credentials are still scrubbed from each line as a last line of defence.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from otp_bench.domain.events import EventRecord
from otp_bench.domain.scrub import Scrubber
from otp_bench.outputs import open_output
from otp_bench.progress import SILENT, Meter
from otp_bench.store.convert import event_values
from otp_bench.store.store import Store


def event_json(rec: EventRecord) -> dict[str, Any]:
    return {"id": rec.id, **event_values(rec), "at": rec.at.isoformat()}


def write_events(store: Store, out: TextIO, *, progress: Meter = SILENT) -> int:
    """Write every event as one line; returns how many."""
    scrub = Scrubber.for_providers(store.providers())
    progress.total(store.event_count())
    count = 0
    for rec in store.iter_events():
        out.write(json.dumps(scrub.deep(event_json(rec)), ensure_ascii=False) + "\n")
        count += 1
        progress.advance()
    return count


def export_events(store: Store, path: str, *, progress: Meter = SILENT) -> int:
    with open_output(path) as fh:
        return write_events(store, fh, progress=progress)
