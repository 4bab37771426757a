"""The mock provider over real loopback HTTP: each vendor's checks and answers, the inbox
endpoint, fault control, and no per-request memory."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from otp_bench.delivery.exchange import default_tls
from otp_bench.mockprovider.faults import Fault, FaultError, FaultKind
from otp_bench.mockprovider.loopback import LoopbackMock
from tests.mockprovider.helpers import ListInbox

SID = "AC" + "0123456789abcdef" * 2


def _basic(user: str, pw: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


@pytest.fixture
def mock() -> Iterator[tuple[LoopbackMock, ListInbox, httpx.Client]]:
    inbox = ListInbox()
    with LoopbackMock(inbox) as m, httpx.Client(base_url=m.base_url, trust_env=False,
                                                     verify=default_tls()) as c:
        yield m, inbox, c


def _twilio(c: httpx.Client, to: str, token: str = "tok", prefix: str = "") -> httpx.Response:
    return c.post(f"{prefix}/2010-04-01/Accounts/{SID}/Messages.json", headers=_basic(SID, token),
                  data={"To": to, "From": "+15005550006", "Body": "123456 is your code"})


def test_twilio_requires_a_leading_plus_and_delivers(mock: Any) -> None:
    _, inbox, c = mock
    bad = _twilio(c, "14155552671")
    assert bad.status_code == 400 and bad.json()["code"] == 21211
    ok = _twilio(c, "+14155552671")
    assert ok.status_code == 201 and ok.json()["status"] == "queued"
    assert [(x.to, x.body) for x in inbox.messages] == [("+14155552671", "123456 is your code")]


def test_vonage_forbids_a_leading_plus_with_http_200(mock: Any) -> None:
    _, inbox, c = mock
    form = {"api_key": "k", "api_secret": "s", "from": "Bench", "text": "hi 123456"}
    bad = c.post("/sms/json", data={**form, "to": "+14155552671"})
    assert bad.status_code == 200 and bad.json()["messages"][0]["status"] == "3"
    ok = c.post("/sms/json", data={**form, "to": "14155552671"})
    assert ok.json()["messages"][0]["status"] == "0" and len(inbox.messages) == 1
    missing = c.post("/sms/json", data={"to": "14155552671", "from": "B", "text": "x"})
    assert missing.json()["messages"][0] == {"status": "4", "error-text": "Bad Credentials"}


def test_configured_credentials_are_checked_the_vendors_way(mock: Any) -> None:
    m, inbox, c = mock
    m.set_account("twilio", {"account_sid": SID, "auth_token": "right"})
    wrong = _twilio(c, "+14155552671", token="wrong")
    assert wrong.status_code == 401 and wrong.json()["code"] == 20003
    assert _twilio(c, "+14155552671", token="right").status_code == 201
    ib = c.post("/sms/2/text/advanced", headers={"Authorization": "Bearer x"},
                json={"messages": [{"destinations": [{"to": "14155552671"}], "text": "t"}]})
    assert ib.status_code == 401
    assert ib.json()["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"
    mb = c.post("/messages", headers={"Authorization": "Bearer k"},
                json={"originator": "B", "recipients": [14155552671], "body": "t"})
    assert mb.status_code == 401 and mb.json()["errors"][0]["code"] == 2  # AccessKey only
    assert len(inbox.messages) == 1


def test_infobip_rejects_with_http_200_and_messagebird_wants_integers(mock: Any) -> None:
    m, _, c = mock
    m.set_faults("infobip", [{"error": "no_funds"}])
    ib = c.post("/sms/2/text/advanced", headers={"Authorization": "App key"},
                json={"messages": [{"destinations": [{"to": "14155552671"}], "text": "t"}]})
    assert ib.status_code == 200
    assert ib.json()["messages"][0]["status"]["name"] == "REJECTED_NOT_ENOUGH_CREDITS"
    mb = c.post("/messages", headers={"Authorization": "AccessKey k"},
                json={"originator": "B", "recipients": ["+14155552671"], "body": "t"})
    assert mb.status_code == 422 and mb.json()["errors"][0]["code"] == 9


def test_keyed_prefix_has_its_own_faults(mock: Any) -> None:
    m, _, c = mock
    m.set_faults("a", [{"status": 503, "once": True}])
    assert _twilio(c, "+14155552671", prefix="/~b").status_code == 201
    assert _twilio(c, "+14155552671", prefix="/~a").status_code == 503
    assert _twilio(c, "+14155552671", prefix="/~a").status_code == 201  # once


def test_inbox_endpoint_reads_a_phone(mock: Any) -> None:
    _, _, c = mock
    _twilio(c, "+14155552671")
    # a literal + in a query string is a space: both spellings work
    for q in ("/_bench/inbox?to=+14155552671", "/_bench/inbox?to=%2B14155552671"):
        (msg,) = c.get(q).json()
        assert msg["to"] == "+14155552671" and msg["via"] == "mock twilio"
    assert c.get("/_bench/inbox?to=+1").status_code == 400


def test_faults_endpoint_sets_and_validates(mock: Any) -> None:
    _, _, c = mock
    assert c.put("/_bench/faults/twilio", json=[{"status": 500}]).json() == [
        {"kind": "status", "status": 500}]
    assert _twilio(c, "+14155552671").status_code == 500
    bad = c.put("/_bench/faults/twilio", json=[{"status": "x"}])
    assert bad.status_code == 400 and "status" in bad.json()["error"]


@pytest.mark.parametrize(("d", "field"), [
    ({"status": 700}, "status"), ({"error": "gremlins"}, "error"), ({"times": 0, "drop": True},
                                                                    "times"),
    ({"probability": 2, "hang": True}, "probability"), ({"status": 500, "number": "12"}, "number"),
    ({"colour": "red"}, "colour"), ({}, "kind"),
])
def test_fault_specs_name_the_bad_field(d: dict[str, Any], field: str) -> None:
    with pytest.raises(FaultError) as err:
        Fault.from_dict(d)
    assert err.value.field == field


def test_fault_spec_forms() -> None:
    assert Fault.from_dict({"latency": 0.2}).kind is FaultKind.LATENCY
    assert Fault.from_dict({"drip": True}).seconds == 0.5
    assert Fault.from_dict({"status": 500, "once": True}).times == 1
    assert Fault.from_dict({"error": "auth", "number": "+1 415 555 2671"}).number == "+14155552671"


def test_no_per_request_state(mock: Any) -> None:
    m, inbox, c = mock
    m.set_faults("twilio", [{"latency": 0, "every": 3}])
    before = {k: len(v) for k, v in vars(m.state).items() if hasattr(v, "__len__")}
    for _ in range(200):
        _twilio(c, "+14155552671")
    after = {k: len(v) for k, v in vars(m.state).items() if hasattr(v, "__len__")}
    assert after == before and m.state.requests == 200  # a counter, not a journal
    assert len(inbox.messages) == 200  # the messages went to the inbox (the store)


def test_any_provider_name_routes_to_its_own_faults(mock: Any) -> None:
    m, _, c = mock
    m.set_faults("Twilio / EU sandbox", [{"status": 502}])
    prefix = m.url_for("Twilio / EU sandbox").removeprefix(m.base_url)
    assert _twilio(c, "+14155552671", prefix=prefix).status_code == 502
    assert _twilio(c, "+14155552671", prefix="/~other").status_code == 201


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_worker_hands_out_message_ids_of_its_own() -> None:
    """``mock-provider --workers N`` forks its workers: none may repeat another's message ids."""
    from otp_bench.mockprovider.dialect import new_id

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        try:
            os.write(write, new_id().encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 32 and child != new_id()
