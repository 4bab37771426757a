"""Verifying a code: expiry, attempts, single use, identifier binding, then the flag table's post.

A successful registration creates the user here; a headless flow also gets its authorization code.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from otp_bench.domain.events import FlagsChanged, UserRegistered, VerifyAttempted
from otp_bench.domain.flags import Flags, policy_for
from otp_bench.domain.ids import new_user_id
from otp_bench.domain.model import Site, User
from otp_bench.domain.vocabulary import License, Reason, VerifyMessage
from otp_bench.engine import account_lock, otp
from otp_bench.engine.outcomes import VerifyOutcome
from otp_bench.engine.states import FlowState, Step, advance, can, state_of, use_case_of
from otp_bench.engine.step import StepLog
from otp_bench.store.activity import Challenge, FlowRecord, Tx

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine


class Verifier:
    def __init__(self, engine: Engine) -> None:
        self.e = engine

    def verify(self, flow_id: str, code: str) -> VerifyOutcome:
        e = self.e
        with e.store.transaction() as tx:
            # the flow and everything its verify decides on, read together (one round trip on
            # PostgreSQL; on SQLite usually none: this process's own copies)
            record, ch, user, history = tx.verify_flow_reads(
                flow_id, account_lock.SUCCEEDED, account_lock.WINDOW_ROWS)
            if record is None or record.identifier is None:
                return VerifyOutcome(flow_id, False, VerifyMessage.FAILURE,
                                     Reason.UNKNOWN_IDENTIFIER)
            return self._verify(tx, record, record.identifier, code, (ch, user, history))

    def verify_identifier(self, identifier: str, code: str) -> VerifyOutcome:
        with self.e.store.transaction() as tx:
            ch = tx.challenge(identifier)
            record = tx.flow(ch.flow_id) if ch else None
            if record is None:
                return VerifyOutcome(None, False, VerifyMessage.FAILURE, Reason.UNKNOWN_IDENTIFIER)
            return self._verify(tx, record, identifier, code)

    def _verify(
        self, tx: Tx, record: FlowRecord, identifier: str, code: str,
        reads: tuple[Challenge | None, User | None, list[tuple[datetime, str]]] | None = None,
    ) -> VerifyOutcome:
        e = self.e
        site = e.find_site(record.site_id)
        use_case = use_case_of(record.use_case)
        st = StepLog(e, record.id, site, record.username, use_case, "verify")
        # the user as committed now, row locked until this step commits (never another
        # process's stale copy; no flag update made meanwhile is overwritten), the challenge and
        # the account's history since its last success: one round trip on PostgreSQL
        ch, user, history = reads or tx.verify_reads(
            identifier, record.user_id, account_lock.SUCCEEDED, account_lock.WINDOW_ROWS)
        now = e.clock.now()
        policy = e.settings.otp
        before = user.flags if user else None

        def fail(reason: Reason, status: str, step: Step | None, attempt: int = 0,
                 left: int | None = None) -> VerifyOutcome:
            if step is not None and can(state_of(record.state), step):
                tx.update_flow(record.id, state=advance(state_of(record.state), step)._value_,
                               verify=reason._value_)
            else:
                tx.update_flow(record.id, verify=reason._value_)
            st.emit(VerifyAttempted, identifier=identifier, success=False,
                    message=VerifyMessage.FAILURE._value_, reason=reason, attempt=attempt)
            st.history(tx, record.user_id, status, identifier)
            e.publish_after(tx, st.events)
            return VerifyOutcome(record.id, False, VerifyMessage.FAILURE, reason,
                                 record.user_id, before, before, attempts_left=left)

        if ch is None or ch.invalidated == "delivery_failed":
            return fail(Reason.UNKNOWN_IDENTIFIER, "Failed: unknown identifier", None)
        if record.user_id is not None and user is None:  # deleted while the code was out
            return fail(Reason.UNKNOWN_IDENTIFIER, "Failed: user no longer exists", None)
        if identifier == record.identifier and record.state == FlowState.ISSUED._value_:
            # the handler is still running: init hasn't handed the identifier out yet, and a
            # success here would be an illegal issued → verified transition
            return fail(Reason.UNKNOWN_IDENTIFIER, "Failed: unknown identifier", None)
        if ch.consumed_at is not None:
            return fail(Reason.ALREADY_USED, "Failed: code already used", None)
        if ch.invalidated == "attempts_exceeded":
            return fail(Reason.ATTEMPTS_EXCEEDED, "Failed: too many attempts", None)
        if ch.invalidated == "superseded":
            return fail(Reason.INVALID_CODE, "Failed: code replaced by a newer one", None)
        if now >= ch.expires_at:
            return fail(Reason.EXPIRED, "Failed: code expired", Step.EXPIRE)
        if record.user_id is not None and account_lock.locked_until(history, now, policy):
            return fail(Reason.ACCOUNT_LOCKED, account_lock.LOCKED_STATUS, None)
        if not otp.matches(code.strip(), ch.salt, ch.code_hash):
            failures = tx.count_failure(identifier)
            if failures >= policy.max_failed_attempts:
                tx.invalidate(identifier, "attempts_exceeded")
                return fail(Reason.ATTEMPTS_EXCEEDED, "Failed: too many attempts", Step.LOCK,
                            failures, 0)
            return fail(Reason.INVALID_CODE, "Failed: invalid code", Step.WRONG_CODE, failures,
                        policy.max_failed_attempts - failures)
        if record.user_id is None and e.store.user_by_username(record.username) is not None:
            # another registration for the same username verified first
            return fail(Reason.USERNAME_TAKEN, "Failed: username taken", None)
        if not tx.consume(identifier, now):
            return fail(Reason.ALREADY_USED, "Failed: code already used", None)

        post = policy_for(use_case, site.uses_custom).post
        if user is None:  # registration: the user exists from now on
            user = self._register(tx, st, record, site, post.apply(Flags()))
            after = user.flags
            st.emit(FlagsChanged, user_id=user.id, before=Flags(), after=after)
        else:
            after = post.apply(user.flags)
            changes: dict[str, object] = {}
            if record.mobile and record.mobile != user.mobile:
                changes["mobile"] = record.mobile
            if changes:
                user = e.store.save_user(replace(user, **changes), tx)  # type: ignore[arg-type]
            if after != user.flags:
                user = e.store.set_flags(tx, user, after)
            st.emit(FlagsChanged, user_id=user.id, before=before or Flags(), after=after)
        tx.update_flow(record.id, state=advance(state_of(record.state), Step.VERIFIED)._value_,
                       verify=VerifyMessage.SUCCESS._value_, user_id=user.id)
        st.emit(VerifyAttempted, identifier=identifier, success=True,
                message=VerifyMessage.SUCCESS._value_)
        st.history(tx, user.id, "Succeeded", identifier)
        e.publish_after(tx, st.events)
        auth_code = secrets.token_urlsafe(24) if use_case.is_headless else None
        if auth_code:
            e.remember_auth_code(auth_code, record.id, user.id)
        return VerifyOutcome(record.id, True, VerifyMessage.SUCCESS, None, user.id,
                             before or Flags(), after, auth_code)

    def _register(self, tx: Tx, st: StepLog, record: FlowRecord, site: Site, flags: Flags) -> User:
        data = record.pending_user or {}
        user = User(
            id=new_user_id(), username=data["username"], license=License(data["license"]),
            mobile=data["mobile"], first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""), email=data.get("email", ""), flags=flags,
            sites=frozenset({site.id}),
        )
        self.e.store.save_user(user, tx)
        st.emit(UserRegistered, user_id=user.id)
        return user
