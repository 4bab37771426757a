"""Rendering a flow's correlated chain as HTML for the inspector.

step → handler inputs → request → response → mapping rule → result → flags before/after. Input is
what the store returns (event records and callout records); callouts are shown redacted unless the
operator revealed them, in which case the sealed raw exchange is shown instead.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from otp_bench.gui import theme

if TYPE_CHECKING:
    from otp_bench.domain.callout import CalloutRecord
    from otp_bench.domain.events import EventRecord

_HANDLER_INPUTS = (
    ("userId", "user_id"), ("phoneNumber", "phone_number"),
    ("oneTimePassword", "one_time_password"), ("defaultText", "default_text"),
    ("networkId", "network_id"), ("experienceId", "experience_id"),
)


def render_chain(events: Sequence[EventRecord], callouts: Sequence[CalloutRecord],
                 revealed: bool) -> str:
    t = theme.tokens()
    by_id = {c.id: c for c in callouts if c.id is not None}  # stored callouts have ids
    shown: set[int] = set()
    out = [_style(t)]
    if not events:
        return out[0] + "<p class='muted'>No events stored for this flow.</p>"
    first = events[0]
    out.append(
        f"<h3>{escape(_label(first.use_case))}</h3>"
        f"<p class='muted'>flow <code>{escape(first.flow_id or '')}</code> · site "
        f"<b>{escape(first.site)}</b> · user <b>{escape(first.user)}</b></p>"
    )
    if revealed:
        out.append("<p class='warn'>Revealed: secrets and codes are shown in clear.</p>")
    step = None
    for ev in events:
        if ev.step != step:
            step = ev.step
            out.append(f"<div class='step'>{escape(step.upper())}</div>")
        out.append(_event(ev, by_id, shown, revealed))
    for c in callouts:  # callouts no event points to (should not happen, but never hide one)
        if c.id not in shown:
            out.append(render_callout(c, revealed))
    return "".join(out)


def render_single(ev: EventRecord) -> str:
    """An event outside any flow (workspace edit, clock)."""
    return _style(theme.tokens()) + _event(ev, {}, set(), False)


def _event(ev: EventRecord, by_id: dict[int, CalloutRecord], shown: set[int],
           revealed: bool) -> str:
    d = ev.data or {}
    head = (f"<p><span class='time'>{ev.at:%H:%M:%S}</span> <span class='kind'>"
            f"{escape(ev.kind)}</span> {escape(ev.summary)}</p>")
    body = ""
    if ev.kind == "handler_called":
        rows = "".join(
            f"<tr><td class='k'>{k}</td><td><code>{_bool(d.get(f, ''))}</code></td></tr>"
            for k, f in _HANDLER_INPUTS
        )
        body = ("<p class='muted'>sendOneTimePassword inputs — the handler sees the OTP: "
                "treat it as a secret.</p>" f"<table>{rows}</table>")
    elif ev.kind == "delivery":
        cid = d.get("callout_id")
        if cid in by_id:
            shown.add(cid)
            body += render_callout(by_id[cid], revealed)
        if d.get("rule"):
            body += f"<p>mapping rule: <b>{escape(str(d['rule']))}</b></p>"
        body += f"<p>result: {_result(str(d.get('delivery', ev.result)))}</p>"
        if d.get("note"):
            body += f"<p class='muted'>{escape(str(d['note']))}</p>"
    elif ev.kind == "init_refused":
        body = (f"<p>reason <code>{escape(str(d.get('reason', '')))}</code>: "
                f"{escape(str(d.get('detail', '')))}</p>")
    elif ev.kind == "flags_changed":
        body = _flags(d.get("before") or {}, d.get("after") or {})
    return f"<div class='ev'>{head}{body}</div>"


def render_callout(c: CalloutRecord, revealed: bool) -> str:
    raw = c.raw if revealed else None
    req = raw.request if raw else c.request
    resp = raw.response if raw else c.response
    url = raw.url if raw else c.url
    parts = [f"<p><b>{escape(c.method)}</b> <code>{escape(url)}</code></p>",
             "<p class='muted'>request</p>", _message(req)]
    if c.status is not None or resp is not None:
        parts.append(f"<p class='muted'>response · HTTP {c.status} · {c.elapsed_ms:.0f} ms</p>")
        parts.append(_message(resp))
    if c.error:
        parts.append(f"<p class='bad'>transport error: {escape(c.error)}</p>")
    if c.rule:
        parts.append(f"<p>mapping rule: <b>{escape(c.rule)}</b> → {_result(c.result.value)}</p>")
    if c.note:
        parts.append(f"<p class='muted'>{escape(c.note)}</p>")
    return "<div class='callout'>" + "".join(parts) + "</div>"


def _message(m: Any) -> str:
    if m is None:
        return "<pre>(none)</pre>"
    head = "\n".join(f"{k}: {v}" for k, v in m.headers)
    body = m.body
    with contextlib.suppress(ValueError, TypeError):
        # ensure_ascii=False: a masked code reads ••••••, not \u2022\u2022…
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    more = "\n… (truncated)" if m.body_truncated else ""
    return f"<pre>{escape(head)}\n\n{escape(body)}{more}</pre>"


def _flags(before: dict[str, Any], after: dict[str, Any]) -> str:
    rows = []
    for name in ("user_verified", "admin_verified"):
        b, a = before.get(name), after.get(name)
        cls = " class='changed'" if a != b else ""
        rows.append(f"<tr{cls}><td class='k'>{name}</td><td>{_bool(b)}</td><td>→</td>"
                    f"<td>{_bool(a)}</td></tr>")
    return "<table><tr><th></th><th>before</th><th></th><th>after</th></tr>" + "".join(rows) + \
        "</table>"


def _bool(value: Any) -> str:
    """true/false as everywhere else in the app (never Python's True/False)."""
    return str(value).lower() if isinstance(value, bool) else escape(str(value))


def _result(value: str) -> str:
    cls = "ok" if value == "SUCCESS" else "bad"
    return f"<span class='{cls}'>{escape(value)}</span>"


def _label(use_case: str) -> str:
    return use_case.replace("_", " ").capitalize() if use_case else "Event"


def _style(t: dict[str, str]) -> str:
    g = t.get
    return (
        "<style>"
        f"body {{ color: {g('text', '#000')}; }}"
        f".muted {{ color: {g('muted', '#666')}; }} .ok {{ color: {g('success', 'green')}; "
        f"font-weight: 600; }} .bad {{ color: {g('danger', 'red')}; font-weight: 600; }}"
        f".warn {{ color: {g('warning', 'orange')}; font-weight: 600; }}"
        f".step {{ color: {g('accent', 'blue')}; font-weight: 700; margin-top: 10px; "
        "font-size: 11px; letter-spacing: 1px; }"
        f".kind {{ color: {g('muted', '#666')}; font-family: monospace; }}"
        f".time {{ color: {g('muted', '#666')}; }}"
        f"pre {{ background: {g('code_bg', '#eee')}; padding: 6px; font-size: 12px; }}"
        f"code {{ background: {g('code_bg', '#eee')}; }}"
        f"td.k {{ color: {g('muted', '#666')}; padding-right: 10px; }}"
        f"tr.changed td {{ background: {g('highlight', '#ff0')}; }}"
        "</style>"
    )
