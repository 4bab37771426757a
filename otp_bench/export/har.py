"""HAR 1.2 export of provider callouts: evidence a reviewer opens in devtools or an HTTP tool.

Sanitized by default: entries are built from the stored, redacted callouts, and any workspace
credential that still shows up is replaced (``scrub``). Only an explicit ``reveal=True`` uses the
sealed raw exchange; the file then says so in ``log.comment`` and ``creator.comment``, and the
caller is warned. Entries are written as they are read, in batches, so a large workspace exports
with flat memory. Each flow becomes a HAR page; bench details sit in ``_otpBench`` (HAR allows
custom fields that start with ``_``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from otp_bench.domain.callout import CalloutRecord, HttpMessage
from otp_bench.domain.scrub import Scrubber
from otp_bench.domain.vocabulary import UseCase
from otp_bench.outputs import open_output
from otp_bench.progress import SILENT, Meter
from otp_bench.store.store import Store

BATCH = 500
SANITIZED_NOTE = (
    "sanitized: secrets and one-time passwords are redacted (otp-bench default)"
)
REVEALED_NOTE = (
    "NOT SANITIZED: exported with --reveal; contains provider credentials and one-time "
    "passwords. Do not share."
)
REVEAL_WARNING = (
    "warning: this HAR contains unredacted secrets and one-time passwords (reveal was chosen); "
    "keep it private"
)


@dataclass(frozen=True)
class HarSummary:
    entries: int
    pages: int
    sanitized: bool


def bench_version() -> str:
    try:
        return version("otp-bench")
    except PackageNotFoundError:  # running from a source tree that isn't installed
        return "0"


def iter_callouts(
    store: Store, *, flow_id: str | None = None, ids: Iterable[int] | None = None,
    reveal: bool = False, batch: int = BATCH,
) -> Iterator[CalloutRecord]:
    """Callouts oldest first, read ``batch`` at a time."""
    wanted = sorted(set(ids)) if ids is not None else None
    last = 0
    while True:
        chunk = store.callouts(flow_id=flow_id, ids=wanted, after_id=last, limit=batch,
                               reveal=reveal)
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id or last


def write_har(
    store: Store, out: TextIO, *, flow_id: str | None = None, ids: Iterable[int] | None = None,
    reveal: bool = False, warn: Callable[[str], None] | None = None, progress: Meter = SILENT,
) -> HarSummary:
    """Write one HAR document to ``out``; ``reveal`` needs the operator's explicit choice."""
    if reveal:
        (warn or _stderr)(REVEAL_WARNING)
    scrub = Scrubber() if reveal else Scrubber.for_providers(store.providers())
    note = REVEALED_NOTE if reveal else SANITIZED_NOTE
    head = {
        "version": "1.2",
        "creator": {"name": "otp-bench", "version": bench_version(), "comment": note},
    }
    # The log object is written by hand around the streamed entries: header, entries one by
    # one, then the pages (one small dict per flow) and the closing comment.
    out.write('{"log": ' + json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [\n')
    pages: dict[str, tuple[str, str]] = {}
    count = 0
    for rec in iter_callouts(store, flow_id=flow_id, ids=ids, reveal=reveal):
        entry = scrub.deep(har_entry(rec, reveal=reveal))
        out.write((",\n" if count else "") + json.dumps(entry, ensure_ascii=False))
        count += 1
        progress.advance()
        if rec.flow_id not in pages:
            pages[rec.flow_id] = (_iso(rec.started_at), _page_title(store, rec))
    out.write("\n], \"pages\": [\n")
    for i, (fid, (started, title)) in enumerate(pages.items()):
        page = {
            "startedDateTime": started,
            "id": fid,
            "title": title,
            "pageTimings": {"onContentLoad": -1, "onLoad": -1},
        }
        out.write((",\n" if i else "") + json.dumps(scrub.deep(page), ensure_ascii=False))
    out.write("\n], \"comment\": " + json.dumps(note) + "}}\n")
    return HarSummary(count, len(pages), not reveal)


def export_har(
    store: Store, path: str, *, flow_id: str | None = None, ids: Iterable[int] | None = None,
    reveal: bool = False, warn: Callable[[str], None] | None = None, progress: Meter = SILENT,
) -> HarSummary:
    """``path``: a file (replaced whole; new ones 0600 when ``reveal``), a device, a FIFO, ``-``."""
    with open_output(path, secret=reveal) as fh:
        return write_har(store, fh, flow_id=flow_id, ids=ids, reveal=reveal, warn=warn,
                         progress=progress)


def _page_title(store: Store, rec: CalloutRecord) -> str:
    """"Passwordless login — Customers — ana@example.com (flw_…)", from the flow's first event."""
    first = store.events(flow_id=rec.flow_id, limit=1)
    if not first:
        return f"{rec.flow_id} via {rec.provider}"
    e = first[0]
    try:
        what = UseCase(e.use_case).label
    except ValueError:
        what = e.use_case or "flow"
    return f"{what} — {e.site} — {e.user or 'no user'} ({rec.flow_id})"


# -- one entry -------------------------------------------------------------------------------


def har_entry(rec: CalloutRecord, *, reveal: bool = False) -> dict[str, Any]:
    url, request, response = rec.url, rec.request, rec.response
    if reveal and rec.raw is not None:
        url, request = rec.raw.url or url, rec.raw.request
        response = rec.raw.response if rec.raw.response is not None else response
    elapsed = max(0.0, round(rec.elapsed_ms, 3))
    entry: dict[str, Any] = {
        "pageref": rec.flow_id,
        "startedDateTime": _iso(rec.started_at),
        "time": elapsed,
        "request": _request(rec.method, url, request),
        "response": _response(rec.status, response),
        "cache": {},
        # Only the total is measured; HAR puts it in "wait" and marks the rest not applicable.
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0,
                    "wait": elapsed, "receive": 0},
        "_otpBench": {
            "calloutId": rec.id,
            "flowId": rec.flow_id,
            "provider": rec.provider,
            "result": rec.result.value,
            "rule": rec.rule,
            "error": rec.error,
            "note": rec.note,
            "sanitized": not reveal,
        },
    }
    if rec.error:
        entry["_error"] = rec.error  # as Chrome marks a request that got no response
    comment = "; ".join(x for x in (rec.result.value, rec.rule, rec.note) if x)
    if comment:
        entry["comment"] = comment
    return entry


def _request(method: str, url: str, msg: HttpMessage) -> dict[str, Any]:
    req: dict[str, Any] = {
        "method": method.upper(),
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(msg),
        "queryString": [{"name": k, "value": v}
                        for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": len(msg.body.encode()) if msg.body else 0,
    }
    if msg.body:
        mime = _content_type(msg) or "text/plain"
        post: dict[str, Any] = {"mimeType": mime, "text": msg.body}
        if mime.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            # Chrome writes both params and text for form posts; tools read one or the other.
            post["params"] = [{"name": k, "value": v}
                              for k, v in parse_qsl(msg.body, keep_blank_values=True)]
        if msg.body_truncated:
            post["comment"] = "body truncated by otp-bench when recorded"
        req["postData"] = post
    return req


def _response(status: int | None, msg: HttpMessage | None) -> dict[str, Any]:
    body = msg.body if msg else ""
    size = len(body.encode())
    content: dict[str, Any] = {
        "size": size,
        "mimeType": (_content_type(msg) if msg else None) or "x-unknown",
    }
    if body:
        content["text"] = body
    if msg is not None and msg.body_truncated:
        content["comment"] = "body truncated by otp-bench when recorded"
    return {
        "status": status or 0,  # 0: no response arrived (timeout, refused, dropped)
        "statusText": _reason(status),
        "httpVersion": "HTTP/1.1" if status else "",
        "cookies": [],
        "headers": _headers(msg) if msg else [],
        "content": content,
        "redirectURL": _header(msg, "location") if msg else "",
        "headersSize": -1,
        "bodySize": size if msg else -1,
    }


def _headers(msg: HttpMessage) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in msg.headers]


def _header(msg: HttpMessage, name: str) -> str:
    return next((v for k, v in msg.headers if k.lower() == name), "")


def _content_type(msg: HttpMessage) -> str:
    return _header(msg, "content-type")


def _reason(status: int | None) -> str:
    if not status:
        return ""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
