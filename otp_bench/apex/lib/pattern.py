"""System.Pattern and System.Matcher: Java regular expressions as Apex exposes them
(``Pattern.compile(re).matcher(text).find()``, ``matches``, ``group``, ``Pattern.matches``)."""

from __future__ import annotations

import re
from typing import Any

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import apex_type, method, static
from otp_bench.apex.lib.strings import regex, split
from otp_bench.apex.ops import type_name


class Pattern:
    APEX_TYPE = "System.Pattern"

    def __init__(self, source: str) -> None:
        self.source = source
        self.rx = regex(source)

    def apex_string(self) -> str:
        return self.source


class Matcher:
    APEX_TYPE = "System.Matcher"

    def __init__(self, pattern: Pattern, text: str) -> None:
        self.pattern = pattern
        self.text = text
        self.match: re.Match[str] | None = None
        self.pos = 0

    def current(self) -> re.Match[str]:
        if self.match is None:
            raise throw("StringException", "No match found")  # Java: IllegalStateException
        return self.match


apex_type("Pattern", Pattern)
apex_type("Matcher", Matcher)


def _text(value: Any) -> str:
    if value is None:
        raise npe()
    if not isinstance(value, str):
        raise Unsupported(f"a {type_name(value)} where a String is expected")
    return value


static("Pattern", "compile", 1)(lambda rt, source: Pattern(_text(source)))
static("Pattern", "matches", 2)(
    lambda rt, source, text: regex(_text(source)).fullmatch(_text(text)) is not None)
static("Pattern", "quote", 1)(lambda rt, text: re.escape(_text(text)))
method(Pattern, "matcher", 1)(lambda rt, p, text: Matcher(p, _text(text)))
method(Pattern, "pattern", 0)(lambda rt, p: p.source)
method(Pattern, "split", 1)(lambda rt, p, text: split(rt, _text(text), p.source))


@method(Matcher, "matches", 0)
def matches(rt: Any, m: Matcher) -> bool:
    m.match = m.pattern.rx.fullmatch(m.text)
    return m.match is not None


@method(Matcher, "lookingAt", 0)
def looking_at(rt: Any, m: Matcher) -> bool:
    m.match = m.pattern.rx.match(m.text)
    return m.match is not None


@method(Matcher, "find", 0)
def find(rt: Any, m: Matcher) -> bool:
    if m.pos > len(m.text):
        m.match = None
        return False
    m.match = m.pattern.rx.search(m.text, m.pos)
    if m.match is None:
        return False
    m.pos = m.match.end() + (1 if m.match.end() == m.match.start() else 0)
    return True


@method(Matcher, "group", 0, 1)
def group(rt: Any, m: Matcher, index: Any = 0) -> Any:
    found = m.current()
    if type(index) is not int or not 0 <= index <= (found.re.groups or 0):
        raise throw("StringException", f"No group {index}")
    return found.group(index)


method(Matcher, "groupCount", 0)(lambda rt, m: m.pattern.rx.groups)
method(Matcher, "start", 0)(lambda rt, m: m.current().start())
method(Matcher, "end", 0)(lambda rt, m: m.current().end())
method(Matcher, "hitEnd", 0)(lambda rt, m: m.match is None or m.match.end() == len(m.text))


@method(Matcher, "reset", 0)
def reset(rt: Any, m: Matcher) -> Matcher:
    m.match = None
    m.pos = 0
    return m


@method(Matcher, "replaceAll", 1)
def replace_all(rt: Any, m: Matcher, replacement: Any) -> str:
    from otp_bench.apex.lib.strings import java_replacement

    return m.pattern.rx.sub(java_replacement(_text(replacement)), m.text)
