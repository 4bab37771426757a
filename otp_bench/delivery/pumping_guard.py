"""The SMS-pumping guard at send time: number type and velocity, checked before any callout.

Settings in ``domain.pumping``. The number type comes from phonenumbers' ``number_type`` (so
premium-rate, toll-free, VoIP, pager, personal and shared-cost numbers are refused unless
allowed); velocity counts the sends this handler let through, per E.164 number and per prefix
(the number without its last 4 digits), in a sliding window. A refusal makes no HTTP call and
says why in the callout log. Counters live in the handler (one per provider and process) and are
bounded: at most ``MAX_KEYS`` numbers and prefixes are tracked, the oldest forgotten first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

import phonenumbers
from phonenumbers import PhoneNumberType

from otp_bench.domain.phone import Phone
from otp_bench.domain.pumping import PumpingGuardConfig
from otp_bench.domain.vocabulary import DeliveryResult

MAX_KEYS = 10_000
_TYPE_NAMES = {getattr(PhoneNumberType, n): n for n in dir(PhoneNumberType) if n.isupper()}


def number_type(phone: Phone) -> str:
    return _TYPE_NAMES.get(phonenumbers.number_type(phonenumbers.parse(phone.e164)), "UNKNOWN")


class PumpingGuard:
    def __init__(self, config: PumpingGuardConfig,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._sends: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, phone: Phone) -> tuple[DeliveryResult, str] | None:
        """None to go ahead (the send is counted), or the refusal and why (no callout)."""
        c = self.config
        if not c.enabled:
            return None
        kind = number_type(phone)
        if kind not in c.allowed_types:
            return (DeliveryResult.INVALID_PHONE_NUMBER,
                    f"pumping guard: {phone.e164} is a {kind} number; allowed: "
                    f"{', '.join(c.allowed_types)} (no callout)")
        prefix = phone.e164[:-4] + "…"
        now = self._clock()
        with self._lock:
            for key, limit, what in ((phone.e164, c.per_number, "number"),
                                     (prefix, c.per_prefix, "prefix")):
                if limit and len(self._recent(key, now)) >= limit:
                    return (DeliveryResult.MESSAGE_LIMIT_EXCEEDED,
                            f"pumping guard: {limit} sends to the {what} {key} within "
                            f"{c.window_s} s (the limit; no callout)")
            for key in (phone.e164, prefix):
                self._recent(key, now).append(now)
                self._sends.move_to_end(key)
            while len(self._sends) > MAX_KEYS:
                self._sends.popitem(last=False)
        return None

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._sends.setdefault(key, deque())
        while times and times[0] <= now - self.config.window_s:
            times.popleft()
        return times
