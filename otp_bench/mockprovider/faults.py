"""Faults the mock injects: what goes wrong, and on which calls.

Kinds: ``latency`` (answer late, then normally), ``status`` (the vendor's error body for a status
or a named error), ``malformed`` (a cut-off, non-UTF-8 body), ``hang`` (never answer: the client
times out), ``drop`` (close the connection mid-answer), ``drip`` (dribble the answer a byte at a
time); ``error: timeout`` is a hang written the way the handler sees it. Selectors: ``times``
(the first N matching calls; ``once`` is times 1), ``every`` (every Nth matching call),
``probability`` (each call with p), ``number`` (only for one recipient).
Counters are per fault and bounded: nothing here grows with traffic.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from otp_bench.domain.phone import PhoneError, parse_phone
from otp_bench.mockprovider.dialect import ERROR_NAMES

MAX_HANG_S = 600.0
TIMEOUT = "timeout"  # ``error: timeout``: the vendor never answers (a hang), as the handler sees it


class FaultKind(StrEnum):
    LATENCY = "latency"
    STATUS = "status"
    MALFORMED = "malformed"
    HANG = "hang"
    DROP = "drop"
    DRIP = "drip"


class FaultError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int | None = None  # STATUS: the HTTP status (the vendor's body for it)
    error: str | None = None  # STATUS: a named vendor error (invalid_number, auth, ...)
    seconds: float = 0.0  # LATENCY: delay; DRIP: pause between bytes; HANG: at most this long
    times: int | None = None
    every: int | None = None
    probability: float | None = None
    number: str | None = None  # E.164

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        for key in ("status", "error", "times", "every", "probability", "number"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.seconds:
            out["seconds"] = self.seconds
        return out

    def to_scenario(self) -> dict[str, Any]:
        """The shorthand a scenario file writes (``{latency: 2s, every: 3}``, ``{error: auth}``,
        ``{hang: true, once: true}``); ``from_dict(parse_seconds=parse_duration)`` reads it back
        to an equal fault. The app's Faults form and the recorder write this form."""
        out: dict[str, Any] = {}
        if self.kind is FaultKind.LATENCY:
            out["latency"] = _duration(self.seconds)
        elif self.kind is FaultKind.DRIP:
            out["drip"] = _duration(self.seconds)
        elif self.kind is FaultKind.STATUS:
            out.update({k: getattr(self, k) for k in ("status", "error")
                        if getattr(self, k) is not None})
        else:
            out[self.kind.value] = True
            if self.seconds:
                out["seconds"] = _duration(self.seconds)
        if self.times == 1:
            out["once"] = True
        elif self.times is not None:
            out["times"] = self.times
        for key in ("every", "probability", "number"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def describe(self) -> str:
        """In words, for the toolbar and the phone: "every 3rd call: no answer (times out)"."""
        what = {
            FaultKind.LATENCY: f"answers {_duration(self.seconds)} late",
            FaultKind.MALFORMED: "a malformed body",
            FaultKind.HANG: "no answer (the callout times out)",
            FaultKind.DROP: "the connection drops",
            FaultKind.DRIP: f"the answer drips ({_duration(self.seconds)} per byte)",
        }.get(self.kind) or (f"vendor error {self.error}" if self.error else
                             f"HTTP {self.status}")
        if self.times == 1:
            when = "the next call"
        elif self.times is not None:
            when = f"the next {self.times} calls"
        elif self.every is not None:
            when = "every call" if self.every == 1 else f"every {_ordinal(self.every)} call"
        elif self.probability is not None:
            when = f"{self.probability:.0%} of calls"
        else:
            when = "every call"
        to = f" to {self.number}" if self.number else ""
        return f"{when}{to}: {what}"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, parse_seconds: Any = float) -> Fault:
        """From a scenario/JSON mapping: ``{status: 500, times: 1}``, ``{latency: 2s}``,
        ``{error: invalid_number, number: "+14155552671"}``, ``{hang: true}``, ``{drip: 0.2s}``,
        ``{drop: true}``, ``{malformed: true}``, or with an explicit ``kind``."""
        if not isinstance(d, Mapping):
            raise FaultError("fault", "must be a mapping")
        known = {"kind", "status", "error", "seconds", "times", "every", "probability", "number",
                 "once", "latency", "hang", "drop", "drip", "malformed"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise FaultError(unknown[0], f"unknown fault field; use {', '.join(sorted(known))}")
        kind_raw = d.get("kind")
        seconds = 0.0
        if d.get("error") == TIMEOUT:  # the handler's view: no answer, the callout times out
            if kind_raw not in (None, FaultKind.HANG.value):
                raise FaultError("error", "error: timeout is a hang; drop the kind")
            d = {k: v for k, v in d.items() if k != "error"}
            kind_raw = FaultKind.HANG.value
        if kind_raw is None:
            for word in ("latency", "hang", "drop", "drip", "malformed"):
                if d.get(word) is not None and d.get(word) is not False:
                    kind_raw = word
                    if word in ("latency", "drip") and d[word] is not True:
                        seconds = _secs(d[word], word, parse_seconds)
            if kind_raw is None and ("status" in d or "error" in d):
                kind_raw = "status"
        if kind_raw not in FaultKind.__members__.values():
            raise FaultError("kind", f"must be one of {', '.join(FaultKind)}")
        kind = FaultKind(str(kind_raw))
        if "seconds" in d:
            seconds = _secs(d["seconds"], "seconds", parse_seconds)
        status = d.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise FaultError("status", "must be an HTTP status between 100 and 599")
        error = d.get("error")
        if error is not None and error not in ERROR_NAMES:
            raise FaultError("error", f"must be one of {', '.join(ERROR_NAMES)}")
        if kind is FaultKind.STATUS and status is None and error is None:
            raise FaultError("status", "a status fault needs a status or an error name")
        times = 1 if d.get("once") else d.get("times")
        every, prob = d.get("every"), d.get("probability")
        for name, val in (("times", times), ("every", every)):
            if val is not None and (not isinstance(val, int) or isinstance(val, bool) or val < 1):
                raise FaultError(name, "must be a whole number of at least 1")
        if prob is not None and (not isinstance(prob, int | float) or not 0 <= prob <= 1):
            raise FaultError("probability", "must be between 0 and 1")
        number = d.get("number")
        if number is not None:
            try:
                number = parse_phone(str(number)).e164
            except PhoneError as exc:
                raise FaultError("number", str(exc)) from None
        if kind is FaultKind.DRIP and not seconds:
            seconds = 0.5
        return cls(kind, status, error, seconds, times, every,
                   float(prob) if prob is not None else None, number)


def _duration(seconds: float) -> str:
    """``2.0`` → ``"2s"``, ``0.25`` → ``"250ms"``: the scenario files' duration words."""
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:g}s"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _secs(value: Any, field: str, parse: Any) -> float:
    try:
        secs = float(parse(value))
    except (TypeError, ValueError) as exc:
        raise FaultError(field, str(exc)) from None
    if not 0 <= secs <= MAX_HANG_S:
        raise FaultError(field, f"must be between 0 and {MAX_HANG_S:g} seconds")
    return secs


@dataclass
class _Armed:
    fault: Fault
    seen: int = 0  # matching calls so far
    fired: int = 0


@dataclass
class FaultPlan:
    """The faults of one key (a provider or a dialect), with their counters."""

    armed: list[_Armed] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def of(cls, faults: Iterable[Fault]) -> FaultPlan:
        return cls([_Armed(f) for f in faults])

    def pick(self, number: str | None) -> tuple[float, Fault | None]:
        """(extra latency, the fault that decides the answer or None) for one call."""
        delay, chosen = 0.0, None
        with self.lock:
            for a in self.armed:
                f = a.fault
                if f.number is not None and f.number != number:
                    continue
                a.seen += 1
                if f.times is not None and a.fired >= f.times:
                    continue
                if f.every is not None and a.seen % f.every:
                    continue
                if f.probability is not None and self.rng.random() >= f.probability:
                    continue
                if f.kind is FaultKind.LATENCY:
                    a.fired += 1
                    delay += f.seconds
                elif chosen is None:
                    a.fired += 1
                    chosen = f
        return delay, chosen

    def faults(self) -> list[Fault]:
        return [a.fault for a in self.armed]
