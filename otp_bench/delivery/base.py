"""The delivery seam: ``sendOneTimePassword`` with its exact six parameters, and what it reports.

The engine calls a handler the way Salesforce calls ``Auth.CustomOneTimePasswordDeliveryHandler``.
A handler can look users and sites up (as Apex can query them) through a ``Directory``, can drop a
message on a phone through an ``Inbox``, and learns which flow it serves from ``current_flow()``,
so the signature stays the platform's.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Protocol

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.model import InboxMessage, Site, User
from otp_bench.domain.vocabulary import Channel, DeliveryResult

DEFAULT_PROVIDER_NAME = "Salesforce default provider"


@dataclass(frozen=True)
class HandlerLogLine:
    """A line the handler wrote (``System.debug``) or the bench noted about it, already redacted."""

    line: int  # the line in the handler's source, 0 when it has none
    level: str  # "DEBUG", "INFO", "ERROR"… as System.debug had it; "BENCH" for bench warnings
    message: str
    file: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    """What came back from one ``sendOneTimePassword`` call."""

    result: DeliveryResult
    callouts: tuple[CalloutRecord, ...] = ()
    note: str = ""
    rule: str = ""
    elapsed_ms: float = 0.0
    warnings: tuple[str, ...] = field(default=())
    log: tuple[HandlerLogLine, ...] = ()  # what an Apex handler wrote, in order


class DeliveryHandler(Protocol):
    name: str

    def send_one_time_password(
        self,
        user_id: str,
        phone_number: str,
        one_time_password: str,
        default_text: str,
        network_id: str,
        experience_id: str,
    ) -> DeliveryReport: ...


class Inbox(Protocol):
    """Phones: where a delivered message lands."""

    def deliver(
        self,
        to: str,
        body: str,
        *,
        sender: str,
        via: str,
        channel: Channel = Channel.SMS,
        otp: str | None = None,
    ) -> InboxMessage: ...

    def land(
        self,
        to: str,
        body: str,
        *,
        sender: str,
        via: str,
        channel: Channel = Channel.SMS,
        otp: str | None = None,
    ) -> None:
        """``deliver`` for a caller that never reads the message back (a handler): inside an
        engine step on PostgreSQL the message's id is known only at the step's commit, and
        answering it at once would cost the step a round trip of its own."""


class Directory(Protocol):
    """Read access to the workspace, as Apex has to User and Network records."""

    def user_by_id(self, user_id: str) -> User | None: ...

    def site_by_id(self, site_id: str) -> Site | None: ...


_flow: contextvars.ContextVar[str | None] = contextvars.ContextVar("otp_bench_flow", default=None)


def current_flow() -> str | None:
    """The flow the running handler call belongs to, for correlating callout records."""
    return _flow.get()


class serving_flow:
    """``with serving_flow(flow_id):`` the handler call inside belongs to that flow (a plain
    class: once per flow, a generator-based context manager cost more than the setting)."""

    __slots__ = ("_flow_id", "_token")

    def __init__(self, flow_id: str) -> None:
        self._flow_id = flow_id

    def __enter__(self) -> None:
        self._token = _flow.set(self._flow_id)

    def __exit__(self, *_exc: object) -> None:
        _flow.reset(self._token)
