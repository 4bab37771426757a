"""The Apex provider at the delivery seam: debug lines with their line numbers, redaction, the
runtime's warnings, a save on disk picked up on the next send, and a refusal before any callout."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("tree_sitter_language_pack", reason="the apex extra isn't installed")

from otp_bench.delivery.apex_handler import ApexHandler
from otp_bench.domain.apex_provider import ApexConfig
from otp_bench.domain.model import ProviderConfig, ProviderKind
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.engine.engine import Engine
from otp_bench.mockprovider.inprocess import InProcessMock
from otp_bench.store.store import Store

CORPUS = Path(__file__).parent / "corpus"
OTP = "739214"
KEY = "webhook-key-0123456789abcdef"


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[InProcessMock]:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    m = InProcessMock(store)
    yield m
    m.close()
    store.close()


def _handler(mock: InProcessMock, source: Path, key: str = "apex") -> ApexHandler:
    config = ProviderConfig(
        id="01p000000000001AAA", name=key, kind=ProviderKind.APEX,
        apex=ApexConfig.from_dict({"source": str(source), "named_credentials": {
            "Webhook": {"url": mock.url_for(key), "generate_authorization_header": False,
                        "allow_merge_fields": True}}}),
        credentials={"Webhook.password": KEY},
    )
    return ApexHandler(config, transport=mock.transport)


def _send(h: ApexHandler, phone: str = "+1 4155552670") -> object:
    return h.send_one_time_password("005000000000001AAA", phone, OTP,
                                    f"{OTP} is your code", "0DB000000000001AAA", "")


def test_debug_lines_come_back_with_line_numbers_and_the_otp_redacted(
        mock: InProcessMock) -> None:
    h = _handler(mock, CORPUS / "buggy" / "SlowProviderHandler.cls")
    report = h.send_one_time_password("005000000000001AAA", "+1 4155552670", OTP, "", "", "")
    assert report.result is DeliveryResult.EXCEPTION
    assert report.note.startswith("threw System.CalloutException")
    debug = [line for line in report.log if line.level != "BENCH"]
    assert debug and debug[0].line == 10 and debug[0].file == "SlowProviderHandler.cls"
    assert OTP not in debug[0].message and "••••••" in debug[0].message
    assert all(OTP not in w for w in report.warnings)
    assert any("OTP" in w or "one-time password" in w.lower() for w in report.warnings)
    assert not report.callouts


def test_a_callout_is_recorded_redacted_and_the_result_is_the_handlers(
        mock: InProcessMock) -> None:
    h = _handler(mock, CORPUS / "buggy" / "RegionLookupHandler.cls")
    report = _send(h)
    assert report.result is DeliveryResult.SUCCESS  # type: ignore[attr-defined]
    (callout,) = report.callouts  # type: ignore[attr-defined]
    assert callout.status == 200 and callout.result is DeliveryResult.SUCCESS
    assert KEY not in str(callout.request) and OTP not in callout.request.body
    assert callout.raw is not None and OTP in callout.raw.request.body  # sealed copy only
    assert "returned SUCCESS at line" in callout.rule


def test_a_save_on_disk_is_picked_up_on_the_next_send(mock: InProcessMock,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "RegionLookupHandler.cls"
    shutil.copy(CORPUS / "buggy" / "RegionLookupHandler.cls", path)
    h = _handler(mock, path)
    assert _send(h, "+33 612345678").result is DeliveryResult.EXCEPTION  # type: ignore[attr-defined]
    text = path.read_text().replace("'44' => 'OTPBench-UK'", "'44' => 'OTPBench-UK', '33' => 'FR'")
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a distinct mtime
    fixed = _send(h, "+33 612345678")
    assert fixed.result is DeliveryResult.SUCCESS, fixed.note  # type: ignore[attr-defined]


def test_source_that_does_not_parse_is_refused_before_any_callout(
        mock: InProcessMock, tmp_path: Path) -> None:
    path = tmp_path / "Broken.cls"
    path.write_text("public class Broken implements Auth.CustomOneTimePasswordDeliveryHandler {\n"
                    "    public Auth.CustomOneTimePasswordDeliveryResult sendOneTimePassword(\n"
                    "        Id a, String b, String c, String d, Id e, String f) {\n"
                    "        return Auth.CustomOneTimePasswordDeliveryResult.SUCCESS\n"
                    "    }\n}\n")
    report = _send(_handler(mock, path))
    assert report.result is DeliveryResult.EXCEPTION  # type: ignore[attr-defined]
    assert report.note.startswith("not run (refused before any callout): Broken.cls:")  # type: ignore[attr-defined]
    assert report.log and all(line.file == "Broken.cls" for line in report.log)  # type: ignore[attr-defined]
    assert not report.callouts  # type: ignore[attr-defined]


def test_the_live_log_gets_each_debug_line_as_an_event(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}", throwaway=True)
    mock = InProcessMock(store)
    engine = Engine(store, transport=mock.transport)
    try:
        from otp_bench.workspace_files.apex_spec import apex_fields

        engine.save_settings(engine.settings.with_(custom_otp_enabled=True))
        fields = apex_fields({"apex": str(CORPUS / "buggy" / "RegionLookupHandler.cls"),
                              "named_credentials": {"Webhook": {
                                  "url": mock.url_for("region"), "password": KEY,
                                  "allow_merge_fields": True,
                                  "generate_authorization_header": False}}},
                             lambda: mock.url_for("region"))
        engine.new_provider("region", **fields)
        from otp_bench.domain.flags import Flags
        from otp_bench.domain.ids import new_id
        from otp_bench.domain.model import Site, User

        site = Site(id=new_id("0DB"), name="Customers", provider_id=engine.provider_ref("region"))
        engine.save_site(site, confirm=True)
        engine.save_user(User(id=new_id("005"), username="chloe@example.com",
                              mobile="+33612345678", flags=Flags(False, True),
                              sites=frozenset({site.id})))
        out = engine.start("verification", "Customers", "chloe@example.com")
        assert out.delivery is DeliveryResult.EXCEPTION
        assert "NullPointerException" in out.detail and "line 24" in out.detail
        events = [e for e in store.events() if e.kind in ("handler_log", "delivery")]
        kinds = [e.kind for e in events]
        assert kinds[-1] == "delivery" and "handler_log" in kinds
        debug = next(e for e in events if e.kind == "handler_log")
        assert debug.summary == "RegionLookupHandler.cls:17 System.debug(DEBUG) country code 33"
    finally:
        engine.close()
        mock.close()
        store.close()
