"""Datetime and Date, as signed-request handlers use them: ``Datetime.now()``, ``getTime()``,
``formatGmt('EEE, dd MMM yyyy HH:mm:ss z')`` (Java's SimpleDateFormat letters), ``addMinutes``,
``Date.today()``. The clock is the environment's. Bench assumption: the running user's time zone
is GMT, so ``format()`` and ``formatGmt()`` agree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from otp_bench.apex.errors import Unsupported, npe
from otp_bench.apex.lib import apex_type, method, static
from otp_bench.apex.values import Long

UTC = dt.UTC
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_TOKEN = re.compile(r"'[^']*'|''|([A-Za-z])\1*|.", re.DOTALL)


class ApexDatetime:
    APEX_TYPE = "Datetime"
    APEX_ORDERED = True

    def __init__(self, value: dt.datetime) -> None:
        self.value = value.astimezone(UTC)

    def sort_key(self) -> dt.datetime:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApexDatetime) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def apex_string(self) -> str:
        return self.value.strftime("%Y-%m-%d %H:%M:%S")

    def json(self) -> str:
        return self.value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.value.microsecond // 1000:03d}Z"


class ApexDate:
    APEX_TYPE = "Date"
    APEX_ORDERED = True

    def __init__(self, value: dt.date) -> None:
        self.value = value

    def sort_key(self) -> dt.date:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApexDate) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def apex_string(self) -> str:
        return self.value.isoformat()

    def json(self) -> str:
        return self.value.isoformat()


apex_type("Datetime", ApexDatetime)
apex_type("Date", ApexDate)


def java_format(when: dt.datetime, pattern: str) -> str:
    """Java SimpleDateFormat's common letters: y M d E H h m s S a z Z X and 'quoted' text."""
    out: list[str] = []
    for m in _TOKEN.finditer(pattern):
        tok = m.group(0)
        if tok == "''":
            out.append("'")
        elif tok.startswith("'"):
            out.append(tok[1:-1])
        elif m.group(1):
            out.append(_field(when, tok[0], len(tok)))
        else:
            out.append(tok)
    return "".join(out)


def _field(when: dt.datetime, letter: str, n: int) -> str:
    if letter == "y":
        return f"{when.year % 100:02d}" if n == 2 else f"{when.year:0{n}d}"
    if letter == "M":
        if n >= 4:
            return _MONTHS[when.month - 1]
        return _MONTHS[when.month - 1][:3] if n == 3 else f"{when.month:0{n}d}"
    if letter == "d":
        return f"{when.day:0{n}d}"
    if letter == "E":
        day = _DAYS[when.weekday()]
        return day if n >= 4 else day[:3]
    if letter == "H":
        return f"{when.hour:0{n}d}"
    if letter == "h":
        return f"{(when.hour % 12) or 12:0{n}d}"
    if letter == "m":
        return f"{when.minute:0{n}d}"
    if letter == "s":
        return f"{when.second:0{n}d}"
    if letter == "S":
        return f"{when.microsecond // 1000:03d}"[:max(n, 3)]
    if letter == "a":
        return "AM" if when.hour < 12 else "PM"
    if letter == "z":
        return "GMT"
    if letter == "Z":
        return "+0000"
    if letter == "X":
        return "Z"
    raise Unsupported(f"date format letter {letter}")


def _now(rt: Any) -> ApexDatetime:
    return ApexDatetime(rt.env.clock())


static("Datetime", "now", 0)(_now)
static("System", "now", 0)(_now)
static("Date", "today", 0)(lambda rt: ApexDate(rt.env.clock().astimezone(UTC).date()))
static("System", "today", 0)(lambda rt: ApexDate(rt.env.clock().astimezone(UTC).date()))


@static("Datetime", "newInstance", 1)
def new_instance_ms(rt: Any, ms: Any) -> ApexDatetime:
    if ms is None:
        raise npe()
    return ApexDatetime(dt.datetime.fromtimestamp(int(ms) / 1000, UTC))


@static("Datetime", "newInstanceGmt", 6)
def new_instance_gmt(rt: Any, y: Any, mo: Any, d: Any, h: Any, mi: Any, s: Any) -> ApexDatetime:
    return ApexDatetime(dt.datetime(y, mo, d, h, mi, s, tzinfo=UTC))


@static("Date", "newInstance", 3)
def new_date(rt: Any, y: Any, mo: Any, d: Any) -> ApexDate:
    return ApexDate(dt.date(y, mo, d))


D = ApexDatetime
method(D, "getTime", 0)(lambda rt, d: Long(int(d.value.timestamp() * 1000)))
method(D, "formatGmt", 1)(lambda rt, d, p: java_format(d.value, p))
method(D, "format", 1)(lambda rt, d, p: java_format(d.value, p))
method(D, "format", 2)(lambda rt, d, p, tz: java_format(d.value, p))
method(D, "format", 0)(lambda rt, d: java_format(d.value, "M/d/yyyy h:mm a"))
method(D, "formatLong", 0)(lambda rt, d: java_format(d.value, "M/d/yyyy h:mm:ss a z"))
method(D, "toString", 0)(lambda rt, d: d.apex_string())
method(D, "addSeconds", 1)(lambda rt, d, n: ApexDatetime(d.value + dt.timedelta(seconds=n)))
method(D, "addMinutes", 1)(lambda rt, d, n: ApexDatetime(d.value + dt.timedelta(minutes=n)))
method(D, "addHours", 1)(lambda rt, d, n: ApexDatetime(d.value + dt.timedelta(hours=n)))
method(D, "addDays", 1)(lambda rt, d, n: ApexDatetime(d.value + dt.timedelta(days=n)))
method(D, "year", 0)(lambda rt, d: d.value.year)
method(D, "month", 0)(lambda rt, d: d.value.month)
method(D, "day", 0)(lambda rt, d: d.value.day)
method(D, "hour", 0)(lambda rt, d: d.value.hour)
method(D, "minute", 0)(lambda rt, d: d.value.minute)
method(D, "second", 0)(lambda rt, d: d.value.second)
method(D, "yearGmt", 0)(lambda rt, d: d.value.year)
method(D, "hourGmt", 0)(lambda rt, d: d.value.hour)
method(D, "date", 0)(lambda rt, d: ApexDate(d.value.date()))
method(D, "dateGmt", 0)(lambda rt, d: ApexDate(d.value.date()))
method(D, "equals", 1)(lambda rt, d, o: d == o)
method(ApexDate, "year", 0)(lambda rt, d: d.value.year)
method(ApexDate, "month", 0)(lambda rt, d: d.value.month)
method(ApexDate, "day", 0)(lambda rt, d: d.value.day)
method(ApexDate, "addDays", 1)(lambda rt, d, n: ApexDate(d.value + dt.timedelta(days=n)))
method(ApexDate, "format", 0)(lambda rt, d: f"{d.value.month}/{d.value.day}/{d.value.year}")
method(ApexDate, "toString", 0)(lambda rt, d: d.apex_string())
method(ApexDate, "equals", 1)(lambda rt, d, o: d == o)
