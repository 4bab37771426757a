"""``evolve``: the same record ``dataclasses.replace`` makes, or ``replace`` itself."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from datetime import UTC, datetime
from typing import Any

import pytest

from otp_bench.domain import events as events_module
from otp_bench.domain.events import Event
from otp_bench.domain.flags import Flags
from otp_bench.domain.frozen import evolve, make
from otp_bench.domain.vocabulary import DeliveryResult, Reason, UseCase
from otp_bench.store.activity import Challenge, FlowRecord

_FLOW = FlowRecord(
    id="flw_1", use_case="passwordless_login", site_id="0DM1", user_id="0051", username="a@x.io",
    state="started", handler="Salesforce default provider", identifier=None, init="",
    delivery=None, verify=None, started_at=datetime(2026, 11, 30, tzinfo=UTC),
    pending_user={"username": "a@x.io"}, mobile="+14155550100",
)


def test_a_flow_record_evolves_into_what_replace_makes() -> None:
    changes: dict[str, Any] = {"state": "issued", "identifier": "abc", "init": "ok",
                               "delivery": "SUCCESS"}
    new = evolve(_FLOW, **changes)
    assert new == dataclasses.replace(_FLOW, **changes)
    assert type(new) is FlowRecord
    assert _FLOW.state == "started" and _FLOW.identifier is None  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.state = "verified"  # type: ignore[misc]


def test_every_field_of_a_challenge_can_change() -> None:
    ch = Challenge("id1", "flw_1", "0051", b"s", b"h", _FLOW.started_at, _FLOW.started_at, 0,
                   None, None)
    changes: dict[str, Any] = {f.name: _FLOW.id for f in dataclasses.fields(Challenge)}
    assert evolve(ch, **changes) == dataclasses.replace(ch, **changes)


def test_a_name_that_is_no_field_is_refused_as_replace_refuses_it() -> None:
    with pytest.raises(TypeError):
        evolve(_FLOW, colour="red")


@dataclasses.dataclass(frozen=True)
class _Checked:
    n: int
    double: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "double", self.n * 2)


@dataclasses.dataclass(frozen=True, slots=True)
class _Slotted:
    n: int


@dataclasses.dataclass(frozen=True)
class _Cached:
    n: int

    @functools.cached_property
    def square(self) -> int:
        return self.n * self.n


def test_records_a_dict_copy_would_get_wrong_go_through_replace() -> None:
    assert evolve(_Checked(1), n=5).double == 10  # __post_init__ ran
    assert evolve(_Slotted(1), n=5) == _Slotted(5)
    cached = _Cached(2)
    assert cached.square == 4
    assert evolve(cached, n=3).square == 9  # not the copied cache


def _event_kinds() -> list[type[Event]]:
    return [cls for cls in vars(events_module).values()
            if inspect.isclass(cls) and issubclass(cls, Event)]


def test_every_event_kind_is_made_as_its_init_makes_it() -> None:
    """``make`` as a step emits: the envelope and the payload given, the rest defaulted."""
    samples: dict[str, object] = {
        "str": "x", "int": 3, "float": 1.5, "bool": True, "datetime": _FLOW.started_at,
        "Flags": Flags(True, False), "Reason": Reason.RATE_LIMITED,
        "DeliveryResult": DeliveryResult.SUCCESS,
    }
    kinds = _event_kinds()
    assert len(kinds) >= 14
    for cls in kinds:
        envelope: dict[str, Any] = {
            "at": _FLOW.started_at, "flow_id": "flw_1", "site": "S", "user": "u",
            "use_case": UseCase.PASSWORDLESS_LOGIN, "step": "init",
        }
        payload: dict[str, Any] = {f.name: next(v for k, v in samples.items() if k in str(f.type))
                   for f in dataclasses.fields(cls) if f.name not in envelope}
        for values in (envelope | payload, {"at": _FLOW.started_at, **payload}):
            made = make(cls, **values)
            assert made == cls(**values) and type(made) is cls, cls.__name__
            assert made.row() == cls(**values).row()
        required = [f.name for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING]
        for name in required:  # a missing argument: the class's own TypeError
            with pytest.raises(TypeError):
                make(cls, **{k: v for k, v in (envelope | payload).items() if k != name})
    with pytest.raises(TypeError):
        make(kinds[1], at=_FLOW.started_at, colour="red")
