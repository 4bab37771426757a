"""Result mapping: ordered rules that turn a provider's answer (or a transport error) into a result.

A rule holds conditions (status code or range, a JSON path's value, a body pattern, a transport
error kind); all of its conditions must hold. The first rule that holds wins and is recorded in
words. After the configured rules come fixed fallbacks: a transport error is the handler throwing
(``EXCEPTION``, as an uncaught ``CalloutException`` would be in Apex), 2xx is ``SUCCESS``,
anything else ``PROVIDER_ERROR``. ``map_result`` never raises, whatever bytes come back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from otp_bench.domain.vocabulary import DeliveryResult

ERROR_KINDS = ("timeout", "connect", "protocol", "network", "too_large", "any")
_SCAN_LIMIT = 256 * 1024  # patterns and JSON look at this much of a body at most
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


class RuleError(ValueError):
    """A rule that can't be used; ``field`` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rule:
    result: DeliveryResult
    status: str = ""  # "201", "4xx", "400-499", "" = any status
    json_path: str = ""  # "messages[0].status", "error.code"; "[*]" matches any element
    equals: tuple[str, ...] = ()  # the value at json_path, as text, is one of these
    pattern: str = ""  # regular expression searched in the body text
    error: str = ""  # transport error kind this rule catches ("any" for all); "" = a response
    label: str = ""  # what the rule means, e.g. "Twilio 21211: invalid To number"
    _status_range: tuple[int, int] | None = field(default=None, repr=False, compare=False)
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _path: tuple[str | int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_status_range", _parse_status(self.status))
        if self.pattern:
            try:
                object.__setattr__(self, "_regex", re.compile(self.pattern))
            except re.error as exc:
                raise RuleError("pattern", f"not a regular expression: {exc}") from None
        if self.json_path:
            object.__setattr__(self, "_path", parse_path(self.json_path))
        if self.error and self.error not in ERROR_KINDS:
            raise RuleError("error", f"must be one of {', '.join(ERROR_KINDS)}")
        if self.error and (self.status or self.json_path or self.pattern):
            raise RuleError("error", "a transport-error rule can't also test the response")
        if self.equals and not self.json_path:
            raise RuleError("equals", "needs a json_path to compare")

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = []
        if self.error:
            parts.append(f"transport error {self.error}")
        if self.status:
            parts.append(f"status {self.status}")
        if self.json_path:
            parts.append(
                f"{self.json_path} in {list(self.equals)}" if self.equals
                else f"{self.json_path} present"
            )
        if self.pattern:
            parts.append(f"body matches /{self.pattern}/")
        return " and ".join(parts or ["always"]) + f" → {self.result.value}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.result.value}
        for key in ("status", "json_path", "pattern", "error", "label"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.equals:
            out["equals"] = list(self.equals)
        return out

    @classmethod
    def from_dict(cls, d: Any) -> Rule:
        if not isinstance(d, dict):
            raise RuleError("rule", "must be a mapping")
        unknown = set(d) - {"result", "status", "json_path", "equals", "pattern", "error", "label"}
        if unknown:
            raise RuleError(sorted(unknown)[0], "unknown rule field")
        result = d.get("result")
        if result not in DeliveryResult.__members__:
            raise RuleError("result", f"must be one of {', '.join(DeliveryResult)}")
        equals = d.get("equals", ())
        if isinstance(equals, str | int):
            equals = (equals,)
        if not isinstance(equals, list | tuple):
            raise RuleError("equals", "must be a value or a list of values")
        return cls(
            result=DeliveryResult(str(result)), status=str(d.get("status", "") or ""),
            json_path=str(d.get("json_path", "") or ""),
            equals=tuple(_text(v) for v in equals), pattern=str(d.get("pattern", "") or ""),
            error=str(d.get("error", "") or ""), label=str(d.get("label", "") or ""),
        )


def _parse_status(spec: str) -> tuple[int, int] | None:
    s = spec.strip().lower()
    if not s:
        return None
    try:
        if len(s) == 3 and s.endswith("xx") and s[0].isdigit():
            lo = int(s[0]) * 100
            hi = lo + 99
        elif "-" in s:
            lo, hi = (int(p) for p in s.split("-", 1))
        else:
            lo = hi = int(s)
    except ValueError:
        raise RuleError("status", f"{spec!r} isn't a status, a range (400-499) or 4xx") from None
    if not (100 <= lo <= hi <= 599):
        raise RuleError("status", f"{spec!r} is outside 100-599")
    return lo, hi


def parse_path(path: str) -> tuple[str | int, ...]:
    tokens: list[str | int] = []
    pos = 0
    for m in _PATH_TOKEN.finditer(path):
        gap = path[pos:m.start()]
        if gap.strip(".") or (gap.count(".") > 1):
            raise RuleError("json_path", f"can't read {path!r} near {gap!r}")
        pos = m.end()
        if m.group(1) is not None:
            tokens.append(m.group(1))
        else:
            tokens.append(-1 if m.group(2) == "*" else int(m.group(2)))
    if not tokens or path[pos:].strip("."):
        raise RuleError("json_path", f"can't read {path!r}")
    return tuple(tokens)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return v
    return json.dumps(v) if isinstance(v, dict | list) else str(v)


def lookup(doc: Any, path: tuple[str | int, ...]) -> list[Any]:
    """Every value at ``path`` (``[*]`` fans out); empty when the path isn't there."""
    found = [doc]
    for tok in path:
        nxt: list[Any] = []
        for node in found:
            if isinstance(tok, str):
                if isinstance(node, dict) and tok in node:
                    nxt.append(node[tok])
                elif isinstance(node, list) and tok.isdigit() and int(tok) < len(node):
                    nxt.append(node[int(tok)])
            elif isinstance(node, list):
                if tok == -1:
                    nxt.extend(node)
                elif tok < len(node):
                    nxt.append(node[tok])
        found = nxt
        if not found:
            break
    return found


@dataclass
class Answer:
    """What came back: a response (status, headers, body) or a transport error kind."""

    status: int | None = None
    body: bytes = b""
    error: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    _text: str | None = None
    _json: Any = None
    _json_done: bool = False

    def text(self) -> str:
        if self._text is None:
            self._text = self.body[:_SCAN_LIMIT].decode("utf-8", errors="replace")
        return self._text

    def json(self) -> Any:
        if not self._json_done:
            self._json_done = True
            try:
                self._json = json.loads(self.text())
            except (ValueError, RecursionError):
                self._json = None
        return self._json


def _holds(rule: Rule, ans: Answer) -> bool:
    if ans.error is not None:
        return bool(rule.error) and rule.error in ("any", ans.error)
    if rule.error:
        return False
    if rule._status_range is not None:
        lo, hi = rule._status_range
        if ans.status is None or not (lo <= ans.status <= hi):
            return False
    if rule._path:
        values = lookup(ans.json(), rule._path)
        if not values:
            return False
        if rule.equals and not any(_text(v) in rule.equals for v in values):
            return False
    return not (rule._regex is not None and rule._regex.search(ans.text()) is None)


def map_result(rules: tuple[Rule, ...] | list[Rule], ans: Answer) -> tuple[DeliveryResult, str]:
    """The result and the rule that fired, in words. Never raises."""
    if ans.error == "too_large":
        return DeliveryResult.EXCEPTION, "response over 6 MB: Apex would have failed here"
    for rule in rules:
        try:
            if _holds(rule, ans):
                return rule.result, rule.describe()
        except (RecursionError, TypeError, ValueError):
            continue  # a pathological body doesn't stop the mapping; the rule just doesn't hold
    if ans.error is not None:
        return DeliveryResult.EXCEPTION, f"default: transport error ({ans.error}) → EXCEPTION"
    if ans.status is not None and 200 <= ans.status <= 299:
        return DeliveryResult.SUCCESS, f"default: status {ans.status} → SUCCESS"
    return DeliveryResult.PROVIDER_ERROR, f"default: status {ans.status} → PROVIDER_ERROR"
