"""What the engine answers to init, resend and verify."""

from __future__ import annotations

from dataclasses import dataclass

from otp_bench.domain.callout import CalloutRecord
from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import DeliveryResult, Reason, UseCase, VerifyMessage


@dataclass(frozen=True)
class InitOutcome:
    flow_id: str
    use_case: UseCase
    identifier: str | None
    reason: Reason | None
    delivery: DeliveryResult | None
    handler: str
    detail: str = ""
    user_id: str | None = None
    username: str = ""
    phone: str | None = None  # E.164 the code went to
    callouts: tuple[CalloutRecord, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def init(self) -> str:
        """``ok`` or the refusal code, as scenario files and reports spell it."""
        return "ok" if self.reason is None else self.reason.value


@dataclass(frozen=True)
class VerifyOutcome:
    flow_id: str | None
    success: bool
    message: VerifyMessage
    reason: Reason | None = None
    user_id: str | None = None
    flags_before: Flags | None = None
    flags_after: Flags | None = None
    auth_code: str | None = None  # headless flows: the code /services/oauth2/authorize returns
    attempts_left: int | None = None

    @property
    def verify(self) -> str:
        """``SUCCESS`` or the reason code, as scenario files and reports spell it."""
        return self.message.value if self.reason is None else self.reason.value
