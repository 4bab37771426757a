"""The declarative handler through httpx's MockTransport: the request each preset sends matches
the vendor's documented shape; limits, policies and transport errors map as documented."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from otp_bench.delivery.http_handler import MAX_RESPONSE_BYTES, HttpHandler
from otp_bench.delivery.presets import PRESETS, get_preset
from otp_bench.delivery.preview import preview_request
from otp_bench.delivery.registry import build_handler
from otp_bench.delivery.sendtest import send_test
from otp_bench.domain.http_config import ConfigError
from otp_bench.domain.vocabulary import Channel, DeliveryResult
from tests.delivery.helpers import OTP, TEXT, Directory, preset_config, send

OK = {"telesign": (200, {"status": {"code": 290}}), "twilio": (201, {"sid": "SM1"}),
      "vonage": (200, {"messages": [{"status": "0"}]}), "sinch": (201, {"id": "b"}),
      "plivo": (202, {"api_id": "a1", "message": "message(s) queued",
                      "message_uuid": ["db3ce55a-7f1d-11e1-8ea7-1231380bc196"]}),
      "infobip": (200, {"messages": [{"status": {"groupId": 1}}]}),
      "messagebird": (201, {"id": "m"}), "whatsapp": (200, {"messages": [{"id": "wamid.1"}]}),
      "webhook": (200, {"status": "sent"})}


class Recorder:
    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if callable(self.answer):
            return self.answer(request)  # type: ignore[no-any-return]
        status, body = self.answer
        return httpx.Response(status, json=body)


def _handler(name: str, answer: Any, **changes: Any) -> tuple[HttpHandler, Recorder]:
    rec = Recorder(answer)
    h = HttpHandler(preset_config(name, **changes), directory=Directory(),
                    transport=httpx.MockTransport(rec))
    return h, rec


def _basic(req: httpx.Request) -> tuple[str, str]:
    scheme, _, value = req.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, pw = base64.b64decode(value).decode().partition(":")
    return user, pw


def _shape(name: str, req: httpx.Request) -> None:
    creds = get_preset(name).example_credentials
    path = urlsplit(str(req.url)).path
    form = dict(parse_qsl(req.content.decode())) if b"=" in req.content else {}
    doc = json.loads(req.content) if req.content.startswith((b"{", b"[")) else None
    assert req.method == "POST"
    if name == "telesign":
        assert path == "/v1/messaging" and _basic(req) == (creds["customer_id"], creds["api_key"])
        assert form == {"is_primary": "true", "phone_number": "14155552671",
                        "message": f"Custom OTP {OTP}; {TEXT}", "message_type": "OTP"}
    elif name == "twilio":
        assert path == f"/2010-04-01/Accounts/{creds['account_sid']}/Messages.json"
        assert _basic(req) == (creds["account_sid"], creds["auth_token"])
        assert req.headers["content-type"] == "application/x-www-form-urlencoded"
        assert form["To"] == "+14155552671" and form["Body"] == TEXT and form["From"]
    elif name == "vonage":
        assert path == "/sms/json" and "authorization" not in req.headers
        assert form["to"] == "14155552671"  # no leading +
        assert form["api_key"] == creds["api_key"] and form["api_secret"] == creds["api_secret"]
        assert form["text"] == TEXT and form["from"]
    elif name == "sinch":
        assert path == f"/xms/v1/{creds['service_plan_id']}/batches"
        assert req.headers["authorization"] == f"Bearer {creds['api_token']}"
        assert doc["to"] == ["+14155552671"] and doc["body"] == TEXT and doc["from"]
    elif name == "plivo":
        assert path == f"/v1/Account/{creds['auth_id']}/Message/"
        assert _basic(req) == (creds["auth_id"], creds["auth_token"])
        assert doc["dst"] == "+14155552671" and doc["text"] == TEXT and doc["src"]
    elif name == "infobip":
        assert path == "/sms/2/text/advanced"
        assert req.headers["authorization"] == f"App {creds['api_key']}"
        msg = doc["messages"][0]
        assert msg["destinations"] == [{"to": "14155552671"}] and msg["text"] == TEXT
    elif name == "messagebird":
        assert path == "/messages"
        assert req.headers["authorization"] == f"AccessKey {creds['access_key']}"
        assert doc["recipients"] == [14155552671] and doc["body"] == TEXT  # JSON integers
    elif name == "whatsapp":
        assert path == f"/v21.0/{creds['phone_number_id']}/messages"
        assert req.headers["authorization"] == f"Bearer {creds['access_token']}"
        assert doc["messaging_product"] == "whatsapp" and doc["to"] == "14155552671"
        comps = doc["template"]["components"]
        assert [c["parameters"][0]["text"] for c in comps] == [OTP, OTP]  # body and button
    elif name == "webhook":
        assert path == "/otp" and req.headers["x-api-key"] == creds["api_key"]
        assert doc["phone"] == "+14155552671" and doc["otp"] == OTP and doc["text"] == TEXT
    else:  # pragma: no cover - a new preset needs its shape checked here
        pytest.fail(f"no shape check for preset {name}")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_sends_the_vendors_documented_request(name: str) -> None:
    h, rec = _handler(name, OK[name])
    report = send(h)
    assert report.result is DeliveryResult.SUCCESS, report.rule
    assert len(rec.requests) == 1
    _shape(name, rec.requests[0])
    (callout,) = report.callouts
    assert callout.status == OK[name][0] and callout.rule == report.rule
    h.close()


def test_vonage_refusal_with_http_200_is_not_success() -> None:
    body = {"message-count": "1", "messages": [{"status": "9", "error-text": "Partner Quota"}]}
    h, _ = _handler("vonage", (200, body))
    report = send(h)
    assert report.result is DeliveryResult.PROVIDER_ERROR
    assert "HTTP 200 but refused" in report.rule


@pytest.mark.parametrize(("exc", "kind"), [
    (httpx.ReadTimeout("slow"), "timeout"), (httpx.ConnectTimeout("slow"), "timeout"),
    (httpx.ConnectError("refused"), "connect"), (httpx.RemoteProtocolError("gone"), "protocol"),
])
def test_transport_errors_are_the_handler_throwing_and_never_retried(
        exc: Exception, kind: str) -> None:
    calls = []

    def boom(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise exc

    h, _ = _handler("twilio", boom)
    report = send(h)
    assert report.result is DeliveryResult.EXCEPTION
    assert len(calls) == 1  # no retry: a resent SMS reaches the user twice
    assert report.callouts[0].error == kind and report.callouts[0].status is None


def test_a_rule_can_catch_a_transport_error() -> None:
    rules = [{"result": "PROVIDER_ERROR", "error": "timeout", "label": "slow provider"}]
    h, _ = _handler("webhook", lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("x")),
                    http={"rules": rules})
    report = send(h)
    assert report.result is DeliveryResult.PROVIDER_ERROR and report.rule == "slow provider"


class CountingStream(httpx.SyncByteStream):
    def __init__(self, total: int, chunk: int = 256 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield b"x" * self.chunk


def test_response_over_6mb_is_cut_and_maps_to_exception_with_the_apex_note() -> None:
    stream = CountingStream(10 * 1024 * 1024)
    h, _ = _handler("twilio", lambda r: httpx.Response(201, stream=stream))
    report = send(h)
    assert report.result is DeliveryResult.EXCEPTION
    assert "Apex would have failed here" in (report.callouts[0].note or "")
    assert report.callouts[0].error == "too_large"
    assert stream.pulled <= MAX_RESPONSE_BYTES + stream.chunk  # stopped reading at the cap


def test_a_declared_length_over_6mb_is_refused_without_reading() -> None:
    stream = CountingStream(1024)
    h, _ = _handler("twilio", lambda r: httpx.Response(
        201, headers={"content-length": str(7 * 1024 * 1024)}, stream=stream))
    report = send(h)
    assert report.result is DeliveryResult.EXCEPTION and stream.pulled == 0


def test_redirects_are_not_followed() -> None:
    h, rec = _handler("twilio", lambda r: httpx.Response(
        302, headers={"location": "https://elsewhere.example/steal"}))
    report = send(h)
    assert len(rec.requests) == 1
    assert report.result is DeliveryResult.PROVIDER_ERROR
    assert "not followed" in (report.callouts[0].note or "")


def test_verified_only_refuses_an_unverified_number_without_a_callout() -> None:
    rec = Recorder(OK["twilio"])
    cfg = preset_config("twilio", verified_only=True)
    h = HttpHandler(cfg, directory=Directory(verified=False), transport=httpx.MockTransport(rec))
    report = send(h)
    assert report.result is DeliveryResult.INVALID_PHONE_NUMBER and not report.callouts
    assert rec.requests == []
    h2 = HttpHandler(cfg, directory=Directory(verified=True), transport=httpx.MockTransport(rec))
    assert send(h2).result is DeliveryResult.SUCCESS


def test_country_allow_list_blocks_without_a_callout() -> None:
    h, rec = _handler("twilio", OK["twilio"], country_allow_list=("GB", "+33"))
    report = send(h)
    assert report.result is DeliveryResult.COUNTRY_BLOCK and rec.requests == []
    assert "US" in report.note
    h2, rec2 = _handler("twilio", OK["twilio"], country_allow_list=("us",))
    assert send(h2).result is DeliveryResult.SUCCESS and len(rec2.requests) == 1


def test_non_sms_channels_carry_the_security_warning() -> None:
    h, _ = _handler("whatsapp", OK["whatsapp"])
    report = send(h)
    assert report.warnings == (Channel.WHATSAPP.security_warning,)
    h2, _ = _handler("twilio", OK["twilio"])
    assert send(h2).warnings == ()


def test_template_errors_name_the_template_and_make_the_handler_throw() -> None:
    h, rec = _handler("webhook", OK["webhook"], http={"body": '{"x": {{ no_such_var | tojson }}}'})
    with pytest.raises(ValueError, match=r"body.*no_such_var"):
        send(h)
    assert rec.requests == []


def test_a_misconfigured_provider_is_refused_when_made_naming_the_field() -> None:
    # parsed once at the edge: a bad config never reaches a handler
    with pytest.raises(ConfigError, match="timeout_s"):
        _handler("webhook", OK["webhook"], http={"timeout_s": 500})


def test_timeout_comes_from_the_config_and_is_capped_at_120s() -> None:
    assert HttpHandler(preset_config("twilio", http={"timeout_s": 3})).timeout_s == 3
    assert HttpHandler(preset_config("twilio"), timeout_seconds=999).timeout_s == 120


def test_registry_builds_the_http_handler() -> None:
    h = build_handler(preset_config("sinch"), inbox=None, directory=Directory())  # type: ignore[arg-type]
    assert isinstance(h, HttpHandler) and h.name == "sinch-test"


def test_template_sees_site_and_user_fields_and_phone_filters() -> None:
    body = ('{"who": {{ user.first_name | tojson }}, "site": {{ site.name | tojson }}, '
            '"n": {{ phone_number | national | tojson }}, '
            '"d": {{ phone_number | digits | tojson }}}')
    h, rec = _handler("webhook", OK["webhook"], http={"body": body})
    send(h)
    assert json.loads(rec.requests[0].content) == {
        "who": "Ana", "site": "Customers", "n": "4155552671", "d": "14155552671"}


def test_preview_renders_with_credentials_as_placeholders_and_reports_errors() -> None:
    cfg = preset_config("twilio")
    p = preview_request(cfg)
    assert p.error is None and p.method == "POST"
    assert dict(p.headers)["Authorization"] == "Basic base64(‹account_sid›:‹auth_token›)"
    assert "To=%2B14155552671" in p.body and cfg.credentials["auth_token"] not in repr(p)
    bad = preview_request(preset_config("webhook", http={"body": "{{ oops"}))
    assert bad.error is not None and "body" in bad.error


def test_send_test_makes_one_real_callout() -> None:
    rec = Recorder(OK["twilio"])
    report = send_test(preset_config("twilio"), "+1 415 555 2671",
                       transport=httpx.MockTransport(rec))
    assert report.result is DeliveryResult.SUCCESS and len(rec.requests) == 1
