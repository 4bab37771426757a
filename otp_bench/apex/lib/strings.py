"""System.String: the common instance and static methods, with Java's regex and index rules.

``replaceAll``/``replaceFirst``/``split`` take Java regular expressions: ``$1`` in a replacement
means group 1 and ``split`` drops trailing empty strings, as in Java. Out-of-range positions throw
``System.StringException`` with Salesforce's wording.
"""

from __future__ import annotations

import decimal
import html
import re
from collections.abc import Callable
from typing import Any

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import Fn, method, static
from otp_bench.apex.ops import to_string, type_name
from otp_bench.apex.syntax import STRING, TypeRef
from otp_bench.apex.values import ApexList, ApexSet, Blob, Long

_INTEGER = TypeRef(("Integer",))
_regex_cache: dict[str, re.Pattern[str]] = {}


def regex(pattern: Any) -> re.Pattern[str]:
    if pattern is None:
        raise npe()
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise throw("StringException", f"Invalid regex: {exc}") from None
        if len(_regex_cache) > 256:
            _regex_cache.clear()
        _regex_cache[pattern] = compiled
    return compiled


def java_replacement(rep: str) -> str:
    """Java's ``$1`` and ``\\$`` in a replacement, for Python's ``re.sub``."""
    out: list[str] = []
    i = 0
    while i < len(rep):
        ch = rep[i]
        if ch == "\\" and i + 1 < len(rep):
            out.append("\\\\" if rep[i + 1] == "\\" else rep[i + 1])
            i += 2
        elif ch == "$" and i + 1 < len(rep) and rep[i + 1].isdigit():
            out.append(f"\\g<{rep[i + 1]}>")
            i += 2
        elif ch == "$":
            raise throw("StringException", "Illegal group reference")
        else:
            out.append("\\\\" if ch == "\\" else ch)
            i += 1
    return "".join(out)


def _s(value: Any) -> str:
    if value is None:
        raise npe()
    if not isinstance(value, str):
        raise Unsupported(f"a {type_name(value)} where a String is expected")
    return value


def _i(value: Any) -> int:
    if value is None:
        raise npe()
    if type(value) not in (int, Long):
        raise Unsupported(f"a {type_name(value)} where an Integer is expected")
    return int(value)


def reg(name: str, *arities: int) -> Callable[[Fn], Fn]:
    return method(str, name, *arities)


reg("length", 0)(lambda rt, s: len(s))
reg("trim", 0)(lambda rt, s: s.strip(" \t\n\r\x0b\x0c\x00"))
reg("toLowerCase", 0, 1)(lambda rt, s, *_: s.lower())
reg("toUpperCase", 0, 1)(lambda rt, s, *_: s.upper())
reg("contains", 1)(lambda rt, s, x: _s(x) in s)
reg("containsIgnoreCase", 1)(lambda rt, s, x: _s(x).lower() in s.lower())
reg("containsAny", 1)(lambda rt, s, x: any(c in s for c in _s(x)))
reg("containsNone", 1)(lambda rt, s, x: not any(c in s for c in _s(x)))
reg("containsOnly", 1)(lambda rt, s, x: all(c in _s(x) for c in s))
reg("containsWhitespace", 0)(lambda rt, s: any(c.isspace() for c in s))
reg("startsWith", 1)(lambda rt, s, x: s.startswith(_s(x)))
reg("startsWithIgnoreCase", 1)(lambda rt, s, x: s.lower().startswith(_s(x).lower()))
reg("endsWith", 1)(lambda rt, s, x: s.endswith(_s(x)))
reg("endsWithIgnoreCase", 1)(lambda rt, s, x: s.lower().endswith(_s(x).lower()))
reg("equals", 1)(lambda rt, s, x: isinstance(x, str) and s == x)
reg("equalsIgnoreCase", 1)(lambda rt, s, x: isinstance(x, str) and s.lower() == x.lower())
reg("compareTo", 1)(lambda rt, s, x: _compare_to(s, _s(x)))
reg("hashCode", 0)(lambda rt, s: _java_hash(s))
reg("indexOf", 1)(lambda rt, s, x: s.find(_s(x)))
reg("indexOf", 2)(lambda rt, s, x, i: s.find(_s(x), max(_i(i), 0)))
reg("indexOfIgnoreCase", 1)(lambda rt, s, x: s.lower().find(_s(x).lower()))
reg("lastIndexOf", 1)(lambda rt, s, x: s.rfind(_s(x)))
reg("isNumeric", 0)(lambda rt, s: bool(s) and all(c.isdigit() for c in s))
reg("isAlpha", 0)(lambda rt, s: bool(s) and s.isalpha())
reg("isAlphanumeric", 0)(lambda rt, s: bool(s) and s.isalnum())
reg("isAllLowerCase", 0)(lambda rt, s: bool(s) and s.islower() and s.isalpha())
reg("isAllUpperCase", 0)(lambda rt, s: bool(s) and s.isupper() and s.isalpha())
reg("isWhitespace", 0)(lambda rt, s: s == "" or s.isspace())
reg("left", 1)(lambda rt, s, n: s[:max(_i(n), 0)])
reg("right", 1)(lambda rt, s, n: s[len(s) - max(_i(n), 0):] if _i(n) > 0 else "")
reg("mid", 2)(lambda rt, s, a, n: s[max(_i(a), 0):max(_i(a), 0) + max(_i(n), 0)])
reg("leftPad", 1)(lambda rt, s, n: s.rjust(_i(n)))
reg("leftPad", 2)(lambda rt, s, n, p: _pad(s, _i(n), _s(p), left=True))
reg("rightPad", 1)(lambda rt, s, n: s.ljust(_i(n)))
reg("rightPad", 2)(lambda rt, s, n, p: _pad(s, _i(n), _s(p), left=False))
reg("repeat", 1)(lambda rt, s, n: s * max(_i(n), 0))
reg("repeat", 2)(lambda rt, s, sep, n: _s(sep).join([s] * max(_i(n), 0)))
reg("reverse", 0)(lambda rt, s: s[::-1])
reg("capitalize", 0)(lambda rt, s: s[:1].upper() + s[1:])
reg("uncapitalize", 0)(lambda rt, s: s[:1].lower() + s[1:])
reg("swapCase", 0)(lambda rt, s: s.swapcase())
reg("deleteWhitespace", 0)(lambda rt, s: "".join(c for c in s if not c.isspace()))
reg("normalizeSpace", 0)(lambda rt, s: " ".join(s.split()))
reg("remove", 1)(lambda rt, s, x: s.replace(_s(x), "") if x else s)
reg("removeStart", 1)(lambda rt, s, x: s[len(x):] if x and s.startswith(x) else s)
reg("removeEnd", 1)(lambda rt, s, x: s[:-len(x)] if x and s.endswith(x) else s)
reg("removeStartIgnoreCase", 1)(
    lambda rt, s, x: s[len(x):] if x and s.lower().startswith(x.lower()) else s)
reg("removeEndIgnoreCase", 1)(
    lambda rt, s, x: s[:-len(x)] if x and s.lower().endswith(x.lower()) else s)
reg("replace", 2)(lambda rt, s, a, b: s.replace(_s(a), _s(b)))
reg("replaceAll", 2)(lambda rt, s, p, r: regex(p).sub(java_replacement(_s(r)), s))
reg("replaceFirst", 2)(lambda rt, s, p, r: regex(p).sub(java_replacement(_s(r)), s, count=1))
reg("countMatches", 1)(lambda rt, s, x: s.count(_s(x)) if x else 0)
reg("substringAfter", 1)(lambda rt, s, x: s.partition(_s(x))[2] if x in s else "")
reg("substringAfterLast", 1)(lambda rt, s, x: s.rpartition(_s(x))[2] if x and x in s else "")
reg("substringBefore", 1)(lambda rt, s, x: s.partition(_s(x))[0] if x else "")
reg("substringBeforeLast", 1)(lambda rt, s, x: s.rpartition(_s(x))[0] if x and x in s else s)
reg("substringBetween", 1)(lambda rt, s, x: _between(s, _s(x), x))
reg("substringBetween", 2)(lambda rt, s, a, b: _between(s, _s(a), _s(b)))
reg("escapeHtml4", 0)(lambda rt, s: html.escape(s, quote=True).replace("&#x27;", "&#39;"))
reg("unescapeHtml4", 0)(lambda rt, s: html.unescape(s))
reg("escapeXml", 0)(lambda rt, s: html.escape(s, quote=True).replace("&#x27;", "&apos;"))
reg("toString", 0)(lambda rt, s: s)
reg("charAt", 1)(lambda rt, s, i: _char_at(s, _i(i)))
reg("codePointAt", 1)(lambda rt, s, i: _char_at(s, _i(i)))
reg("getChars", 0)(lambda rt, s: ApexList(_INTEGER, [ord(c) for c in s]))


@reg("substring", 1)
def substring(rt: Any, s: str, start: Any) -> str:
    b = _i(start)
    if not 0 <= b <= len(s):
        raise throw("StringException", f"Starting position out of bounds: {b}")
    return s[b:]


@reg("substring", 2)
def substring2(rt: Any, s: str, start: Any, end: Any) -> str:
    b, e = _i(start), _i(end)
    if not 0 <= b <= len(s):
        raise throw("StringException", f"Starting position out of bounds: {b}")
    if not b <= e <= len(s):
        raise throw("StringException", f"Ending position out of bounds: {e}")
    return s[b:e]


@reg("split", 1, 2)
def split(rt: Any, s: str, pattern: Any, limit: Any = 0) -> ApexList:
    """Java's String.split: a regex; with limit 0 trailing empty strings are dropped."""
    n = _i(limit)
    if s == "":
        return ApexList(STRING, [""])
    rx = regex(pattern)
    parts: list[str] = []
    pos = 0
    for m in rx.finditer(s):
        if n > 0 and len(parts) == n - 1:
            break
        if m.end() == 0:
            continue  # a zero-width match at the start yields no leading empty string
        if m.start() == m.end() and m.start() >= len(s):
            break
        parts.append(s[pos:m.start()])
        pos = m.end()
    parts.append(s[pos:])
    if n == 0:
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        if parts == [""] and s:
            parts = []
    return ApexList(STRING, parts)


@reg("abbreviate", 1, 2)
def abbreviate(rt: Any, s: str, width: Any, offset: Any = 0) -> str:
    w = _i(width)
    if w < 4:
        raise throw("StringException", "Minimum abbreviation width is 4")
    if len(s) <= w:
        return s
    return s[: w - 3] + "..."


def _compare_to(a: str, b: str) -> int:
    """Java's String.compareTo: the first differing UTF-16 units' difference, else lengths'."""
    ua, ub = a.encode("utf-16-be"), b.encode("utf-16-be")
    for i in range(0, min(len(ua), len(ub)), 2):
        ca, cb = int.from_bytes(ua[i:i + 2], "big"), int.from_bytes(ub[i:i + 2], "big")
        if ca != cb:
            return ca - cb
    return (len(ua) - len(ub)) // 2


def _between(s: str, open_: str, close: str) -> Any:
    start = s.find(open_)
    if start < 0:
        return None
    end = s.find(close, start + len(open_))
    return None if end < 0 else s[start + len(open_):end]


def _pad(s: str, n: int, pad: str, *, left: bool) -> str:
    if len(s) >= n or not pad:
        return s
    fill = (pad * n)[: n - len(s)]
    return fill + s if left else s + fill


def _char_at(s: str, i: int) -> int:
    if not 0 <= i < len(s):
        raise throw("StringException", f"Char index out of bounds: {i}")  # wording unconfirmed
    return ord(s[i])


def _java_hash(s: str) -> int:
    h = 0
    for c in s.encode("utf-16-be").decode("utf-16-be"):
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h




# ---------------------------------------------------------------------------- statics

static("String", "isBlank", 1)(lambda rt, s: s is None or str(s).strip() == "")
static("String", "isNotBlank", 1)(lambda rt, s: s is not None and str(s).strip() != "")
static("String", "isEmpty", 1)(lambda rt, s: s is None or s == "")
static("String", "isNotEmpty", 1)(lambda rt, s: s is not None and s != "")
static("String", "valueOf", 1)(lambda rt, v: to_string(v))
static("String", "escapeSingleQuotes", 1)(
    lambda rt, s: _s(s).replace("\\", "\\\\").replace("'", "\\'"))
static("String", "fromCharArray", 1)(lambda rt, xs: "".join(chr(_i(x)) for x in xs))


@static("String", "join", 2)
def join(rt: Any, items: Any, sep: Any) -> str:
    if items is None:
        raise npe()
    values = items.items if isinstance(items, ApexSet) else items
    return ("" if sep is None else _s(sep)).join(to_string(v) for v in values)


@static("String", "format", 2)
def format_(rt: Any, pattern: Any, args: Any) -> str:
    """Java MessageFormat: ``{0}``; ``''`` is a quote; numbers get grouping separators."""
    text = _s(pattern)
    values = list(args) if args is not None else []
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if i + 1 < len(text) and text[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            quoted = not quoted
            i += 1
            continue
        if ch == "{" and not quoted:
            end = text.find("}", i)
            index = text[i + 1:end].split(",")[0].strip() if end > 0 else ""
            if end < 0 or not index.isdigit():
                raise throw("StringException", f"can't parse argument number: {index}")
            n = int(index)
            out.append(_format_arg(values[n]) if n < len(values) else text[i:end + 1])
            i = end + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _format_arg(value: Any) -> str:
    if type(value) in (int, Long):
        return f"{int(value):,}"
    if isinstance(value, decimal.Decimal | float) and type(value) is not bool:
        d = decimal.Decimal(repr(value)) if isinstance(value, float) else value
        q = d.quantize(decimal.Decimal("0.001"), rounding=decimal.ROUND_HALF_EVEN).normalize()
        whole, _, frac = f"{q:f}".partition(".")
        return f"{int(whole):,}" + (f".{frac}" if frac else "") if whole not in ("-0",) else \
            "-0" + (f".{frac}" if frac else "")
    if isinstance(value, Blob):
        return to_string(value)
    return to_string(value)
