"""Running a flow: init (scope rules, flag requirement, rate limit, OTP, delivery), resend, verify.

Each step commits its writes in one transaction, then publishes its events. The handler call sits
between two transactions so a slow provider never holds the database.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from otp_bench.delivery.base import DeliveryHandler, DeliveryReport, serving_flow
from otp_bench.domain.errors import InvalidArgument, NotFound, WrongState
from otp_bench.domain.events import (
    DeliveryCompleted,
    FlowStarted,
    HandlerCalled,
    HandlerLogged,
    InitRefused,
    OtpIssued,
)
from otp_bench.domain.flags import policy_for, requirement_met
from otp_bench.domain.frozen import evolve
from otp_bench.domain.ids import new_flow_id
from otp_bench.domain.model import NewUser, Site, User
from otp_bench.domain.phone import Phone, PhoneError, parse_phone
from otp_bench.domain.vocabulary import DeliveryResult, Reason, UseCase
from otp_bench.engine import otp
from otp_bench.engine.outcomes import InitOutcome, VerifyOutcome
from otp_bench.engine.states import (
    FLOW_SPECS,
    FlowState,
    Step,
    advance,
    can,
    state_of,
    use_case_of,
)
from otp_bench.engine.step import StepLog
from otp_bench.engine.verify import Verifier
from otp_bench.store.activity import Challenge, FlowRecord, Tx

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine

log = logging.getLogger(__name__)

CHALLENGED = "User challenged, waiting for response"
_HOUR = timedelta(hours=1)  # the hourly limit's window (made once: keywords parse per call)


class FlowRunner:
    def __init__(self, engine: Engine) -> None:
        self.e = engine
        self._verifier = Verifier(engine)

    # -- init ------------------------------------------------------------------------------

    def start(
        self, use_case: UseCase, site_ref: str, user_ref: str | None = None,
        new_user: NewUser | None = None, mobile: str | None = None,
    ) -> InitOutcome:
        e = self.e
        # the transaction catches up with other processes before anything is looked up, and
        # (SQLite: holding the write lock; PostgreSQL: the subject's lock) nothing decided here
        # can change before it commits
        with e.store.transaction() as tx:
            spec = FLOW_SPECS[use_case]
            if user_ref is not None and spec.existing_user:
                # PostgreSQL: the hourly limit's lock and read travel with the step's catch-up
                # (one round trip fewer); before any look at the cache or the settings, which
                # would wait for that catch-up first
                tx.expect_user(user_ref, e.clock.now() - _HOUR)
            site = e.find_site(site_ref)
            user: User | None = None
            if spec.existing_user:
                if user_ref is None:
                    raise InvalidArgument("user", f"{use_case.value} needs an existing user")
                user = e.find_user(user_ref)
                username = user.username
            else:
                if new_user is None:
                    raise InvalidArgument("new_user",
                                          f"{use_case.value} needs the new user's fields")
                username = new_user.username
            flow_id = new_flow_id()
            handler_name = e.handler_name(site)
            st = StepLog(e, flow_id, site, username, use_case, "init")
            st.emit(FlowStarted, provider=handler_name)
            reason, detail, phone = self._decide(use_case, site, user, new_user, mobile)
            subject = user.id if user else (phone.e164 if phone else username)
            now = e.clock.now()
            record = FlowRecord(
                id=flow_id, use_case=use_case._value_, site_id=site.id,
                user_id=user.id if user else None, username=username,
                state=FlowState.STARTED._value_, handler=handler_name, identifier=None, init="",
                delivery=None, verify=None, started_at=now,
                pending_user=_pending(new_user, phone) if new_user else None,
                mobile=phone.e164 if phone else None,
            )
            if reason is None and self._rate_limited(tx, subject, now):
                reason = Reason.RATE_LIMITED
                detail = f"{e.settings.otp.max_codes_per_hour} codes already issued this hour"
            if reason is not None:
                return self._refuse(tx, st, record, reason, detail)
            assert phone is not None
            if self._runs_in_step(site):
                # one commit for the whole init instead of three: the flow row is written once,
                # with the delivery's outcome, and the step's events go in one batch
                identifier, code = self._issue(tx, st, record, subject, now, store_flow=False)
                return self._deliver(record, site, user, phone, identifier, code, handler_name,
                                     (tx, st))
            identifier, code = self._issue(tx, st, record, subject, now)
            e.publish_after(tx, st.events)
        return self._deliver(record, st.site, user, phone, identifier, code, handler_name)

    def _decide(
        self, use_case: UseCase, site: Site, user: User | None, new_user: NewUser | None,
        mobile: str | None,
    ) -> tuple[Reason | None, str, Phone | None]:
        """Scope, phone number and flag requirement: the refusal (reason, detail) or None, and
        the phone the code goes to."""
        spec = FLOW_SPECS[use_case]
        phone: Phone | None = None
        reason, detail = self._scope(use_case, site, user, new_user)
        if reason is None:
            raw = mobile if (mobile and spec.may_change_mobile) else (
                user.mobile if user else new_user.mobile if new_user else None
            )
            try:
                phone = parse_phone(raw or "", site.default_region)
            except PhoneError as exc:
                reason, detail = Reason.INVALID_PHONE_NUMBER, str(exc)
        if reason is None and user is not None:
            policy = policy_for(use_case, site.uses_custom)
            if not requirement_met(policy.requirement, user.flags):
                reason = Reason.FLAG_REQUIREMENT_UNMET
                detail = (
                    f"{policy.requirement.value} required "
                    f"({'custom' if site.uses_custom else 'default'} provider); user has "
                    f"user_verified={user.flags.user_verified}, "
                    f"admin_verified={user.flags.admin_verified}"
                )
        return reason, detail, phone

    def _scope(
        self, use_case: UseCase, site: Site, user: User | None, new_user: NewUser | None
    ) -> tuple[Reason | None, str]:
        spec = FLOW_SPECS[use_case]
        if use_case not in site.enabled_use_cases:
            return Reason.FEATURE_DISABLED, f"{use_case.label} isn't enabled on site {site.name}"
        if spec.headless_gate and not getattr(site, spec.headless_gate):
            return Reason.FEATURE_DISABLED, (
                f"site {site.name} doesn't allow {use_case.label.lower()} "
                f"({spec.headless_gate} is off)"
            )
        license_ = user.license if user else new_user.license if new_user else None
        if license_ is not None and not license_.is_external:
            return Reason.INTERNAL_USER, f"licence {license_.value} is an internal licence"
        if site.uses_custom and not self.e.settings.custom_otp_enabled:
            return Reason.CUSTOM_OTP_NOT_ENABLED, (
                f"site {site.name} uses handler {self.e.handler_name(site)!r} but custom OTP "
                "delivery isn't enabled for the org"
            )
        if new_user is not None and self.e.store.user_by_username(new_user.username):
            return Reason.USERNAME_TAKEN, f"username {new_user.username!r} is taken"
        if spec.needs_membership and user is not None and site.id not in user.sites:
            return Reason.NOT_SITE_MEMBER, f"{user.username} isn't a member of {site.name}"
        return None, ""

    def _rate_limited(self, tx: Tx, subject: str, now: datetime) -> bool:
        policy = self.e.settings.otp
        return tx.codes_issued_since(subject, now - _HOUR) >= policy.max_codes_per_hour

    def _refuse(
        self, tx: Tx, st: StepLog, record: FlowRecord, reason: Reason, detail: str
    ) -> InitOutcome:
        tx.add_flow(evolve(record, state=advance(FlowState.STARTED, Step.REFUSE).value,
                            init=reason.value))
        st.emit(InitRefused, reason=reason, detail=detail)
        status = "Rate limited" if reason is Reason.RATE_LIMITED else f"Failed: {reason.value}"
        st.history(tx, record.user_id, status, "")
        self.e.publish_after(tx, st.events)
        return InitOutcome(
            flow_id=record.id, use_case=use_case_of(record.use_case), identifier=None,
            reason=reason, delivery=None, handler=record.handler, detail=detail or reason.sentence,
            user_id=record.user_id, username=record.username,
        )

    def _issue(
        self, tx: Tx, st: StepLog, record: FlowRecord, subject: str, now: datetime,
        resend: bool = False, store_flow: bool = True,
    ) -> tuple[str, str]:
        policy = self.e.settings.otp
        code = otp.generate(policy.digits)
        salt = otp.new_salt()
        identifier = otp.new_identifier()
        expires = now + timedelta(seconds=policy.ttl_for(use_case_of(record.use_case)))
        tx.add_challenge(
            Challenge(identifier, record.id, subject, salt, otp.digest(code, salt), now, expires,
                      0, None, None)
        )
        if resend:
            tx.update_flow(record.id, state=FlowState.ISSUED._value_, identifier=identifier)
        elif store_flow:  # a new flow is stored once, already issued
            tx.add_flow(evolve(record, state=FlowState.ISSUED._value_, identifier=identifier))
        st.emit(OtpIssued, identifier=identifier, expires_at=expires, resend=resend)
        st.history(tx, record.user_id, CHALLENGED, identifier)
        return identifier, code

    def _deliver(
        self, record: FlowRecord, site: Site, user: User | None, phone: Phone,
        identifier: str, code: str, handler_name: str,
        in_step: tuple[Tx, StepLog] | None = None,
    ) -> InitOutcome:
        """Call the handler and record its result: in a transaction of its own after the call
        (the handler may be slow), or in the init step's (``in_step``: its transaction and
        events, the flow not yet stored) for a handler that runs in the step
        (``runs_in_step``: no callout, nothing to wait for)."""
        e = self.e
        st = StepLog(e, record.id, site, record.username, use_case_of(record.use_case), "deliver")
        default_text = (
            e.settings.default_text.replace("{otp}", code).replace("{site}", site.name)
        )
        user_id = user.id if user else ""
        st.emit(
            HandlerCalled, handler=handler_name, user_id=user_id, phone_number=phone.salesforce,
            default_text=default_text.replace(code, "••••••"), network_id=site.id,
            experience_id=site.experience_id,
        )
        report = self._call(user_id, phone, code, default_text, site, record.id)
        if in_step is not None:
            tx, init = in_step
            st.events[:0] = init.events  # published together, in order
            callout_ids = self._record(tx, st, record, identifier, report, handler_name, new=True)
        else:
            with e.store.transaction() as own:
                callout_ids = self._record(own, st, record, identifier, report, handler_name)
        delivered = report.result is DeliveryResult.SUCCESS
        callouts = tuple(
            replace(c, id=i) for c, i in zip(report.callouts, callout_ids, strict=True)
        )
        return InitOutcome(
            flow_id=record.id, use_case=use_case_of(record.use_case), identifier=identifier,
            reason=None if delivered else Reason.DELIVERY_FAILED, delivery=report.result,
            handler=handler_name, detail=report.note, user_id=record.user_id,
            username=record.username, phone=phone.e164, callouts=callouts,
            warnings=report.warnings,
        )

    def _record(
        self, tx: Tx, st: StepLog, record: FlowRecord, identifier: str, report: DeliveryReport,
        handler_name: str, new: bool = False,
    ) -> list[int]:
        """Write the handler's result in ``tx`` (``new``: the flow's first row, with it); answers
        the stored callouts' ids."""
        delivered = report.result is DeliveryResult.SUCCESS
        callout_ids = [tx.add_callout(c) for c in report.callouts]
        step = Step.DELIVERED if delivered else Step.DELIVERY_FAILED
        state = advance(FlowState.ISSUED, step)._value_
        init = "ok" if delivered else Reason.DELIVERY_FAILED.value
        if new:
            tx.add_flow(evolve(record, identifier=identifier, state=state,
                                delivery=report.result._value_, init=init))
        else:
            tx.update_flow(record.id, state=state, delivery=report.result._value_, init=init)
        for entry in report.log:  # an Apex handler's System.debug lines, in order
            st.emit(HandlerLogged, handler=handler_name, line=entry.line,
                    level=entry.level, message=entry.message, file=entry.file)
        st.emit(
            DeliveryCompleted, handler=handler_name, delivery=report.result,
            elapsed_ms=report.elapsed_ms, callout_id=callout_ids[-1] if callout_ids else None,
            rule=report.rule, note=report.note,
        )
        if not delivered:
            tx.invalidate(identifier, "delivery_failed")
            st.history(tx, record.user_id, f"Failed: OTP delivery ({report.result._value_})",
                       identifier)
        self.e.publish_after(tx, st.events)
        return callout_ids

    def _runs_in_step(self, site: Site) -> bool:
        try:
            return bool(getattr(self.e.handler_for(site), "runs_in_step", False))
        except Exception:  # a handler that can't be built fails in _call, after the step
            return False

    def _call(
        self, user_id: str, phone: Phone, code: str, default_text: str, site: Site, flow_id: str,
    ) -> DeliveryReport:
        handler: DeliveryHandler | None = None
        try:
            # resolved inside the try: a handler that can't be built fails this delivery
            # (EXCEPTION) instead of leaving the flow hanging in "issued"
            handler = self.e.handler_for(site)
            with serving_flow(flow_id):
                return handler.send_one_time_password(
                    user_id, phone.salesforce, code, default_text, site.id, site.experience_id
                )
        except Exception as exc:  # the platform maps a thrown handler to EXCEPTION
            name = handler.name if handler else self.e.handler_name(site)
            log.warning("handler %s threw %s", name, type(exc).__name__)
            return DeliveryReport(
                DeliveryResult.EXCEPTION, note=f"handler threw {type(exc).__name__}: {exc}"
            )

    # -- resend ----------------------------------------------------------------------------

    def resend(self, flow_id: str) -> InitOutcome:
        e = self.e
        with e.store.transaction() as tx:
            record = tx.flow(flow_id)
            if record is None:
                raise NotFound(f"no flow {flow_id!r}")
            site = e.find_site(record.site_id)
            state = state_of(record.state)
            if not can(state, Step.RESEND):
                raise WrongState(f"flow {flow_id} is {state.value}; nothing to resend")
            user = e.store.user_by_id(record.user_id) if record.user_id else None
            phone = parse_phone(record.mobile or "")
            st = StepLog(e, flow_id, site, record.username, use_case_of(record.use_case), "resend")
            subject = user.id if user else phone.e164
            now = e.clock.now()
            if self._rate_limited(tx, subject, now):
                st.emit(InitRefused, reason=Reason.RATE_LIMITED, detail="resend refused")
                st.history(tx, record.user_id, "Rate limited", "")
                e.publish_after(tx, st.events)
                return InitOutcome(
                    flow_id=flow_id, use_case=use_case_of(record.use_case),
                    identifier=record.identifier, reason=Reason.RATE_LIMITED, delivery=None,
                    handler=record.handler, detail=Reason.RATE_LIMITED.sentence,
                    user_id=record.user_id, username=record.username,
                )
            if record.identifier:
                tx.invalidate(record.identifier, "superseded")
            identifier, code = self._issue(tx, st, record, subject, now, resend=True)
            e.publish_after(tx, st.events)
        return self._deliver(record, site, user, phone, identifier, code, e.handler_name(site))


    def verify(self, flow_id: str, code: str) -> VerifyOutcome:
        return self._verifier.verify(flow_id, code)

    def verify_identifier(self, identifier: str, code: str) -> VerifyOutcome:
        return self._verifier.verify_identifier(identifier, code)


def _pending(new_user: NewUser, phone: Phone | None) -> dict[str, str]:
    return {
        "username": new_user.username,
        "license": new_user.license.value,
        "mobile": phone.e164 if phone else new_user.mobile,
        "first_name": new_user.first_name,
        "last_name": new_user.last_name,
        "email": new_user.email,
    }
