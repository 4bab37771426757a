"""A Hypothesis state machine over the OTP lifecycle: send, resend, verify (wrong, right, an old
code) and the clock, checked step by step against a model of SPEC §1's rules.

Invariants: at most one success per challenge; no success after expiry, lock or resend; never
more codes per sliding hour than the limit.

Every step is taken by one of two engines on the same workspace file, drawn at random: two
processes sharing it. Each keeps copies of the rows it wrote (store/recent.py), so this is where
a copy trusted after the other engine changed the row would show: a code used twice, a count
that forgot the other's codes, a lock missed.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from otp_bench.domain.errors import WrongState
from otp_bench.domain.flags import Flags
from otp_bench.domain.vocabulary import UseCase
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.store.store import Store

HOUR = timedelta(hours=1)
USERNAME = "machine@example.com"


@functools.cache
def _seed() -> Path:
    """The workspace every example starts from: one site, one user, no flows yet. Made once
    (~20 ms of CPU for each of the ~45 examples when each made its own) and copied per example,
    closed, so each example opens a file no engine has seen."""
    where = Path(tempfile.mkdtemp(prefix="otp-machine-seed-"))
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    engine = Engine(Store(f"sqlite:///{where / 'ws.db'}", throwaway=True), FrozenClock())
    # this machine models the per-code rules; the per-account cap across codes has its own
    # tests (tests/hardening/test_account_cap.py)
    engine.save_settings(engine.settings.with_(
        otp=replace(engine.settings.otp, account_max_failures=0)))
    site = engine.new_site("Machine")
    engine.new_user(USERNAME, mobile="+1 4155552671", flags=Flags(True, False),
                    sites=frozenset({site.id}))
    engine.close()
    return where / "ws.db"


@dataclass
class ModelChallenge:
    identifier: str
    code: str
    issued_at: datetime
    expires_at: datetime
    failures: int = 0
    consumed: bool = False
    locked: bool = False
    successes: int = 0


@dataclass
class ModelFlow:
    flow_id: str
    challenges: list[ModelChallenge] = field(default_factory=list)
    verified: bool = False

    @property
    def current(self) -> ModelChallenge:
        return self.challenges[-1]


class OtpLifecycle(RuleBasedStateMachine):
    flows = Bundle("flows")

    def __init__(self) -> None:
        super().__init__()
        # a workspace file per example, copied from one made by the same calls once per run
        self.dir = Path(tempfile.mkdtemp(prefix="otp-machine-"))
        shutil.copyfile(_seed(), self.dir / "ws.db")
        self.engine = Engine(Store(f"sqlite:///{self.dir / 'ws.db'}", throwaway=True),
                             FrozenClock())
        self.policy = self.engine.settings.otp
        assert self.policy.account_max_failures == 0
        self.engines = [self.engine, Engine(Store(self.engine.store.url,
                                                  secrets=self.engine.store.secrets),
                                            FrozenClock())]
        self.user = self.engine.find_user(USERNAME)
        assert self.user.flags == Flags(True, False) and self.engine.sites()[0].name == "Machine"
        self.issued: list[datetime] = []
        self.all_flows: list[ModelFlow] = []

    def teardown(self) -> None:
        self.engines[1].close()
        self.engine.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- model helpers ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.engine.clock.now()

    def limited(self) -> bool:
        now = self.now()
        return sum(1 for t in self.issued if t > now - HOUR) >= self.policy.max_codes_per_hour

    def newest_code(self) -> str:
        code = self.engine.store.inbox(self.user.mobile, limit=1)[-1].otp
        assert code is not None
        return code

    def issue(self, flow: ModelFlow, identifier: str | None) -> None:
        assert identifier is not None
        now = self.now()
        self.issued.append(now)
        flow.challenges.append(ModelChallenge(
            identifier, self.newest_code(), now,
            now + timedelta(seconds=self.policy.ttl_seconds),
        ))

    def expect(self, ch: ModelChallenge, right: bool) -> str:
        """What verifying ``ch`` (the flow's live challenge) answers, and the model update."""
        if ch.consumed:
            return "already_used"
        if ch.locked:
            return "attempts_exceeded"
        if self.now() >= ch.expires_at:
            return "expired"
        if right:
            ch.consumed = True
            return "SUCCESS"
        ch.failures += 1
        if ch.failures >= self.policy.max_failed_attempts:
            ch.locked = True
            return "attempts_exceeded"
        return "invalid_code"

    # -- rules ----------------------------------------------------------------------------------

    @rule(target=flows, via=st.sampled_from([0, 1]))
    def send(self, via: int) -> object:
        limited = self.limited()
        out = self.engines[via].start(UseCase.PASSWORDLESS_LOGIN, "Machine", self.user.username)
        if limited:
            assert out.init == "rate_limited"
            return multiple()
        assert out.init == "ok"
        flow = ModelFlow(out.flow_id)
        self.issue(flow, out.identifier)
        self.all_flows.append(flow)
        return flow

    @rule(flow=flows, via=st.sampled_from([0, 1]))
    def resend(self, flow: ModelFlow, via: int) -> None:
        if flow.verified:
            try:
                self.engines[via].resend(flow.flow_id)
            except WrongState:
                return
            raise AssertionError("a verified flow has nothing to resend")
        limited = self.limited()
        out = self.engines[via].resend(flow.flow_id)
        if limited:
            assert out.init == "rate_limited"
            return
        assert out.init == "ok"
        self.issue(flow, out.identifier)

    @rule(flow=flows, via=st.sampled_from([0, 1]))
    def verify_wrong(self, flow: ModelFlow, via: int) -> None:
        ch = flow.current
        wrong = f"{(int(ch.code) + 1) % 10**6:06d}"
        expected = self.expect(ch, right=False)
        assert self.engines[via].verify(flow.flow_id, wrong).verify == expected

    @rule(flow=flows, via=st.sampled_from([0, 1]))
    def verify_right(self, flow: ModelFlow, via: int) -> None:
        ch = flow.current
        expected = self.expect(ch, right=True)
        res = self.engines[via].verify(flow.flow_id, ch.code)
        assert res.verify == expected
        if res.success:
            ch.successes += 1
            flow.verified = True

    @rule(flow=flows, other=flows, via=st.sampled_from([0, 1]))
    def verify_code_of_another_flow(self, flow: ModelFlow, other: ModelFlow, via: int) -> None:
        foreign = other.current.code
        if other is flow or foreign == flow.current.code:  # same flow, or a 1-in-10^6 tie
            return
        expected = self.expect(flow.current, right=False)
        assert self.engines[via].verify(flow.flow_id, foreign).verify == expected

    @precondition(lambda self: any(len(f.challenges) > 1 for f in self.all_flows))
    @rule(data=st.data())
    def verify_superseded(self, data: st.DataObject) -> None:
        flow = data.draw(st.sampled_from([f for f in self.all_flows if len(f.challenges) > 1]))
        old = data.draw(st.sampled_from(flow.challenges[:-1]))
        res = self.engines[data.draw(st.sampled_from([0, 1]))].verify_identifier(
            old.identifier, old.code)
        assert not res.success
        assert res.verify == ("attempts_exceeded" if old.locked else "invalid_code")

    @rule(seconds=st.sampled_from([1, 59, 14 * 60 + 59, 15 * 60, 30 * 60, 3600]))
    def advance_clock(self, seconds: int) -> None:
        self.engine.advance_clock(seconds)

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def at_most_one_success_per_challenge(self) -> None:
        for flow in self.all_flows:
            assert sum(ch.successes for ch in flow.challenges) <= 1
            for ch in flow.challenges[:-1]:
                assert ch.successes == 0, "no success after a resend invalidated the code"

    @invariant()
    def codes_per_sliding_hour_within_the_limit(self) -> None:
        for t in self.issued:
            window = [u for u in self.issued if t - HOUR < u <= t]
            assert len(window) <= self.policy.max_codes_per_hour

    @invariant()
    def flags_change_only_by_success(self) -> None:
        user = self.engine.find_user(self.user.username)
        assert user.flags == Flags(True, False)  # default provider post: user_verified → true


# 40 examples, run as two tests of 20 with seeds of their own: each ~1.3 s instead of one ~3 s
# test that ended the suite's run on whichever worker drew it last
_HALF = settings(max_examples=20, stateful_step_count=30, deadline=None)


class TestOtpLifecycle(OtpLifecycle.TestCase):  # type: ignore[name-defined,misc]
    settings = _HALF


class TestOtpLifecycleAgain(OtpLifecycle.TestCase):  # type: ignore[name-defined,misc]
    settings = _HALF
