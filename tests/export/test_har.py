"""HAR export: valid HAR 1.2 that HAR readers open, sanitized unless reveal is chosen."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from haralyzer import HarPage, HarParser

from otp_bench.export.har import export_har, write_har
from tests.export.conftest import API_KEY, BASIC, CANARIES, OTP, Planted
from tests.export.har_schema import problems


def _har(planted: Planted, **kw: object) -> dict:  # type: ignore[type-arg]
    buf = io.StringIO()
    write_har(planted.store, buf, **kw)  # type: ignore[arg-type]
    return json.loads(buf.getvalue())


def test_export_is_valid_har_1_2(planted: Planted) -> None:
    har = _har(planted)
    assert problems(har) == []
    log = har["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "otp-bench"
    assert len(log["entries"]) == 3
    assert {p["id"] for p in log["pages"]} == {planted.login_flow, planted.refused_flow}


def test_the_schema_check_catches_broken_har() -> None:
    """The checker above is only worth something if it fails on real mistakes."""
    entry = {"startedDateTime": "2026-01-01T00:00:00Z", "time": 5, "request": {},
             "response": {}, "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
             "extra": 1}
    found = problems({"log": {"version": "1.1", "creator": {"name": "x"}, "entries": [entry]}})
    text = "\n".join(found)
    for expected in ("log.version", "log.creator.version", "request.method",
                     "response.status", "extra: not a HAR 1.2 field", "isn't the sum"):
        assert expected in text


def test_entries_carry_status_headers_form_params_content_and_bench_fields(
    planted: Planted,
) -> None:
    first, second, dropped = _har(planted)["log"]["entries"]
    req = first["request"]
    assert req["method"] == "POST" and req["url"].startswith("https://api.twilio.com/")
    assert {"name": "Authorization", "value": "Basic REDACTED"} in req["headers"]
    post = req["postData"]
    assert post["mimeType"] == "application/x-www-form-urlencoded"
    assert {"name": "To", "value": "+14155552671"} in post["params"]
    assert first["response"]["status"] == 500
    assert first["response"]["statusText"] == "Internal Server Error"
    assert second["response"]["status"] == 201
    content = second["response"]["content"]
    assert content["mimeType"] == "application/json" and content["size"] > 0
    assert json.loads(content["text"])["status"] == "queued"
    assert second["_otpBench"]["result"] == "SUCCESS"
    assert second["_otpBench"]["rule"] == "status 201 → SUCCESS"
    assert second["_otpBench"]["flowId"] == planted.login_flow
    assert second["time"] == second["timings"]["wait"] == pytest.approx(14.5)
    # no response at all: status 0 and the transport error, as Chrome records it
    assert dropped["response"]["status"] == 0 and dropped["_error"] == "timeout"
    assert dropped["_otpBench"]["result"] == "PROVIDER_ERROR"


def test_round_trips_through_a_har_reader(planted: Planted, tmp_path: Path) -> None:
    path = tmp_path / "callouts.har"
    export_har(planted.store, str(path))
    parser = HarParser(json.loads(path.read_text("utf-8")))
    pages = {p.page_id: p for p in parser.pages}
    assert set(pages) == {planted.login_flow, planted.refused_flow}
    login = HarPage(planted.login_flow, har_parser=parser)
    assert [e.status for e in login.entries] == [500, 201]
    assert login.entries[1].request.method == "POST"
    assert login.entries[1].response.mimeType == "application/json"
    assert parser.har_data["creator"]["comment"].startswith("sanitized")


def test_select_by_flow_or_by_id(planted: Planted) -> None:
    by_flow = _har(planted, flow_id=planted.refused_flow)["log"]
    assert [e["_otpBench"]["flowId"] for e in by_flow["entries"]] == [planted.refused_flow]
    assert [p["id"] for p in by_flow["pages"]] == [planted.refused_flow]
    by_id = _har(planted, ids=[2])["log"]["entries"]
    assert [e["_otpBench"]["calloutId"] for e in by_id] == [2]
    assert problems(_har(planted, flow_id="flw_none")) == []  # empty but still valid


def test_sanitized_by_default_and_says_so(planted: Planted) -> None:
    har = _har(planted)
    text = json.dumps(har, ensure_ascii=False)
    for canary in CANARIES:
        assert canary not in text
    assert "sanitized" in har["log"]["comment"]
    assert all(e["_otpBench"]["sanitized"] for e in har["log"]["entries"])


def test_reveal_is_explicit_warns_and_marks_the_file(planted: Planted) -> None:
    warnings: list[str] = []
    har = _har(planted, reveal=True, warn=warnings.append)
    assert warnings and "unredacted" in warnings[0]
    assert "NOT SANITIZED" in har["log"]["comment"]
    assert "NOT SANITIZED" in har["log"]["creator"]["comment"]
    first = har["log"]["entries"][0]
    assert {"name": "Authorization", "value": f"Basic {BASIC}"} in first["request"]["headers"]
    assert {"name": "api_key", "value": API_KEY} in first["request"]["queryString"]
    assert OTP in first["request"]["postData"]["text"]
    assert OTP in first["response"]["content"]["text"]
    assert first["_otpBench"]["sanitized"] is False
    assert problems(har) == []


def test_a_credential_that_slipped_into_a_stored_callout_is_still_scrubbed(
    planted: Planted,
) -> None:
    """Defence in depth: even if a handler forgot to redact, the export knows the secrets."""
    from dataclasses import replace

    rec = planted.store.callouts(ids=[1])[0]
    leaky = replace(rec, id=None, url=rec.url + f"?key={API_KEY}",
                    request=replace(rec.request, headers=(("Authorization", f"Basic {BASIC}"),)))
    with planted.store.transaction() as tx:
        tx.add_callout(leaky)
    text = json.dumps(_har(planted), ensure_ascii=False)
    assert API_KEY not in text and BASIC not in text
    assert "REDACTED" in text


def test_real_callouts_through_the_http_handler_export_clean(tmp_path: Path) -> None:
    """End to end: the Twilio preset calling the loopback mock, then HAR with and without reveal."""
    from otp_bench.domain.flags import Flags
    from otp_bench.domain.model import Settings
    from otp_bench.engine.clock import FrozenClock
    from otp_bench.engine.engine import Engine
    from otp_bench.store.store import Store
    from otp_bench.workspace_files.providers import ScenarioProviders

    token = "tw-auth-token-CANARY-8086"
    engine = Engine(Store(f"sqlite:///{tmp_path / 'e2e.db'}", throwaway=True), FrozenClock())
    with ScenarioProviders(engine) as providers:
        engine.save_settings(Settings(custom_otp_enabled=True))
        providers.add({"name": "tw", "preset": "twilio", "endpoint": "mock",
                       "credentials": {"account_sid": "AC" + "e" * 32, "auth_token": token}})
        site = engine.new_site("Customers", handler="tw", url_prefix="c")
        engine.new_user("ana@example.com", mobile="+1 415 555 2671", sites=frozenset({site.id}),
                        flags=Flags(user_verified=True))
        out = engine.start("passwordless_login", "Customers", "ana@example.com")
        assert out.callouts and out.phone
    otp = next(m.otp for m in reversed(engine.store.inbox(out.phone)) if m.otp)
    assert otp
    buf = io.StringIO()
    write_har(engine.store, buf)
    har = json.loads(buf.getvalue())
    assert problems(har) == []
    text = buf.getvalue()
    assert token not in text and otp not in text
    entry = har["log"]["entries"][0]
    assert entry["response"]["status"] == 201 and entry["_otpBench"]["result"] == "SUCCESS"
    assert {p["name"] for p in entry["request"]["postData"]["params"]} >= {"To", "From", "Body"}
    revealed = io.StringIO()
    write_har(engine.store, revealed, reveal=True, warn=lambda _m: None)
    assert otp in revealed.getvalue()
    assert problems(json.loads(revealed.getvalue())) == []
    engine.close()


def test_each_flow_is_a_page_named_after_what_happened(planted: Planted) -> None:
    pages = {p["id"]: p["title"] for p in _har(planted)["log"]["pages"]}
    assert pages[planted.login_flow] == (
        f"Verification method registration — Customers — ana@example.com ({planted.login_flow})")
