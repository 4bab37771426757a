"""The Markdown evidence report of a session: what the workspace was, what each flow did.

For a reviewer who wasn't at the keyboard: the workspace summary (settings, providers, sites and
their handler, users and their flags — never a credential), the failures up front, then each flow
with its steps, callouts, results and flag changes, then workspace edits and clock moves.
Written as it is read: one flow's events and callouts at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from otp_bench.domain.events import EventRecord
from otp_bench.domain.model import ProviderKind
from otp_bench.domain.scrub import Scrubber
from otp_bench.export.flow_events import FlowSummary, grouped, scan
from otp_bench.export.markdown import code, hms, stamp, table
from otp_bench.outputs import open_output
from otp_bench.progress import SILENT, Meter
from otp_bench.store.store import Store
from otp_bench.workspace_files.durations import format_duration


def write_report(
    store: Store, out: TextIO, *, flow_ids: Iterable[str] | None = None,
    title: str = "otp-bench evidence report", progress: Meter = SILENT,
) -> int:
    """Write the report; returns the number of flows in it."""
    scrub = Scrubber.for_providers(store.providers())

    def w(text: str = "") -> None:
        out.write(scrub(text) + "\n")

    wanted = set(flow_ids) if flow_ids is not None else None
    flows, others = scan(store, wanted)
    progress.total(len(flows))
    failures = [(f, why) for f in flows.values() if (why := f.failure)]
    w(f"# {title}")
    w()
    w(f"Generated {stamp(datetime.now(UTC))} by otp-bench. Secrets and one-time passwords are "
      "redacted; provider credentials are never included.")
    w()
    w(f"**{len(flows)} flow(s), {len(failures)} with a failure or refusal.**")
    w()
    _workspace(store, w)
    w("## Failures and refusals")
    w()
    if failures:
        w(table(["flow", "what", "site", "user", "why"],
                [(code(f.id), f.label, f.site, f.username, why) for f, why in failures]))
    else:
        w("None: every flow that ran was delivered and verified as it went.")
        w()
    w("## Flows")
    w()
    for n, (flow, events) in enumerate(grouped(store, flows), 1):
        _flow(store, flow, events, n, w)
        progress.advance()
    if others:
        w("## Workspace edits and clock")
        w()
        w(table(["time", "event"], [(hms(at), summary) for at, summary in others]))
    return len(flows)


def export_report(store: Store, path: str, **kw: Any) -> int:
    with open_output(path) as fh:
        return write_report(store, fh, **kw)


def _workspace(store: Store, w: Any) -> None:
    s = store.settings()
    w("## Workspace")
    w()
    w(f"- Custom OTP delivery for the org: **{'enabled' if s.custom_otp_enabled else 'off'}**")
    w(f"- OTP: {s.otp.digits} digits, valid {format_duration(s.otp.ttl_seconds)} "
      f"({format_duration(s.otp.registration_ttl_seconds)} for verification method "
      f"registration), {s.otp.max_failed_attempts} failed attempts, "
      f"{s.otp.max_codes_per_hour} codes per user per hour, "
      f"{s.otp.account_max_failures} failed codes per account lock it for "
      f"{format_duration(s.otp.account_lockout_seconds)} (bench assumption)")
    w(f"- Callout timeout {format_duration(s.callout_timeout_seconds)}; redaction "
      "on (always; secrets are only revealed per export, on request)")
    w()
    providers = store.providers()
    if providers:
        w("### Providers")
        w()
        rows = []
        for p in providers:
            if p.kind is ProviderKind.SCRIPTED:
                what = f"scripted: returns {p.result.value}"
            elif p.kind is ProviderKind.APEX and p.apex is not None:
                what = (f"Apex class {p.apex.class_name or '(the one handler)'} from "
                        f"{p.apex.source} (interpreted by otp-bench, not compiled by Salesforce)")
            else:
                base = p.http.base_url if p.http else ""
                preset = p.http.preset if p.http else ""
                what = f"HTTP {preset + ' ' if preset else ''}→ {base}".strip()
            rows.append((p.name, what, p.channel.value, "yes" if p.verified_only else "no",
                         ", ".join(p.country_allow_list) or "any"))
        w(table(["provider", "handler", "channel", "verified numbers only", "countries"], rows))
    w("### Sites")
    w()
    provider_names: dict[str, str] = {p.id: p.name for p in providers}
    w(table(["site", "handler", "headless login", "headless registration"],
            [(s.name, provider_names.get(s.provider_id or "", "Salesforce default provider"),
              s.headless_passwordless_login, s.headless_registration)
             for s in store.sites()]))
    site_names = {s.id: s.name for s in store.sites()}
    w("### Users (flags as they are now)")
    w()
    w(table(["username", "licence", "mobile", "user_verified", "admin_verified", "sites"],
            [(u.username, u.license.value, u.mobile, u.flags.user_verified,
              u.flags.admin_verified, ", ".join(sorted(site_names.get(x, x) for x in u.sites)))
             for u in store.users()]))


def _flow(store: Store, flow: FlowSummary, events: list[EventRecord], n: int, w: Any) -> None:
    callouts = store.callouts(flow_id=flow.id)
    w(f"### {n}. {flow.title}")
    w()
    via = f" via {flow.handler}" if flow.handler else ""
    w(f"Flow {code(flow.id)}, started {stamp(flow.started_at)}{via}. "
      f"Init **{flow.init or 'pending'}**, delivery **{flow.delivery or '–'}**, "
      f"verify **{flow.verify or 'not attempted'}**.")
    w()
    if events:
        w(table(["time", "step", "event", "result"],
                [(hms(e.at), e.step, e.summary, e.result) for e in events]))
    for e in events:
        if e.kind == "flags_changed":
            w(f"Flags: {_flags(e)}")
            w()
    if callouts:
        w(table(["callout", "request", "status", "ms", "result", "rule"],
                [(f"#{c.id}", f"{c.method} {c.url}", c.status or c.error or "no response",
                  f"{c.elapsed_ms:.0f}", c.result.value, c.rule or c.note or "")
                 for c in callouts]))


def _flags(e: EventRecord) -> str:
    before, after = e.data.get("before", {}), e.data.get("after", {})
    parts = []
    for name in ("user_verified", "admin_verified"):
        b, a = before.get(name), after.get(name)
        parts.append(f"{name} {_b(b)} → **{_b(a)}**" if a != b else f"{name} {_b(a)}")
    return ", ".join(parts)


def _b(v: object) -> str:
    return "true" if v is True else "false" if v is False else "–"
