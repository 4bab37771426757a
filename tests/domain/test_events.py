"""Typed events and their flat, storable records."""

from __future__ import annotations

import dataclasses
import inspect
import json
from datetime import UTC, datetime

import orjson

from otp_bench.domain import events as events_module
from otp_bench.domain.events import (
    OTP_MASK,
    DeliveryCompleted,
    Event,
    FlagsChanged,
    HandlerCalled,
    InitRefused,
    SiteHandlerSwitched,
    VerifyAttempted,
)
from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import DeliveryResult, Reason, UseCase
from otp_bench.store.db import _json_text

AT = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_a_record_is_flat_and_json_ready() -> None:
    ev = FlagsChanged(at=AT, flow_id="flw_1", site="S", user="u@example.com",
                      use_case=UseCase.VERIFICATION, step="verify", user_id="005",
                      before=Flags(), after=Flags(False, True))
    rec = ev.record()
    assert (rec.kind, rec.flow_id, rec.use_case, rec.step) == (
        "flags_changed", "flw_1", "verification", "verify"
    )
    assert rec.data == {
        "user_id": "005",
        "before": {"user_verified": False, "admin_verified": False},
        "after": {"user_verified": False, "admin_verified": True},
    }
    json.dumps(rec.data)
    assert rec.summary == "flags: user_verified False, admin_verified False→True"


def test_results_and_summaries() -> None:
    refused = InitRefused(at=AT, reason=Reason.RATE_LIMITED).record()
    assert refused.result == "rate_limited" and "rate_limited" in refused.summary
    assert refused.data["reason"] == "rate_limited" and type(refused.data["reason"]) is str
    done = DeliveryCompleted(at=AT, handler="h", delivery=DeliveryResult.COUNTRY_BLOCK,
                             elapsed_ms=12.5, rule="status 400").record()
    assert (done.result, done.latency_ms) == ("COUNTRY_BLOCK", 12.5)
    assert done.summary == "h returned COUNTRY_BLOCK (status 400)"
    ok = VerifyAttempted(at=AT, identifier="i", success=True, message="SUCCESS").record()
    assert ok.result == "SUCCESS" and ok.summary == "code verified"
    switched = SiteHandlerSwitched(at=AT, before="p", after=None, warning="careful").record()
    assert switched.summary == "site handler switched: p → Salesforce default provider — careful"


def test_handler_inputs_are_recorded_with_the_code_masked() -> None:
    rec = HandlerCalled(at=AT, handler="h", user_id="005", phone_number="+1 4155552671").record()
    assert rec.data["one_time_password"] == OTP_MASK
    assert rec.summary == "h.sendOneTimePassword(phoneNumber='+1 4155552671')"


def _every_kind() -> list[Event]:
    """One event of each kind, every payload field filled with a value of its declared type."""
    samples: dict[str, object] = {
        "str": "x", "int": 3, "float": 1.5, "bool": True, "datetime": AT,
        "Flags": Flags(True, False), "Reason": Reason.RATE_LIMITED,
        "DeliveryResult": DeliveryResult.SUCCESS,
    }
    out: list[Event] = []
    for cls in vars(events_module).values():
        if not (inspect.isclass(cls) and issubclass(cls, Event)) or cls is Event:
            continue
        kw = {}
        for f in dataclasses.fields(cls):
            if f.name in ("at", "flow_id", "site", "user", "use_case", "step"):
                continue
            kw[f.name] = next(v for k, v in samples.items() if k in str(f.type))
        out.append(cls(at=AT, **kw))
    return out


def test_a_stored_payload_is_the_same_json_as_the_plain_data() -> None:
    """A row carries its payload as the event holds it (enums, datetimes, Flags); the JSON
    column's serializer writes it, and a record made from the row reads it, exactly as
    ``data()`` gives it (what a read of the row would answer)."""
    kinds = _every_kind()
    assert len(kinds) >= 13
    for ev in kinds:
        plain = ev.data()
        assert json.loads(json.dumps(plain)) == plain  # plain JSON values only
        assert orjson.loads(_json_text(ev.row()["data"])) == plain, type(ev).__name__
        assert ev.record().data == plain
