"""Result-mapping rules as Apex, and the mock responses the generated test class replays.

Each response rule becomes one ``if`` on the status, the JSON path's values and the body pattern,
in the bench's order, followed by the bench's fallbacks (2xx → SUCCESS, else PROVIDER_ERROR).
Transport-error rules become checks inside ``catch (System.CalloutException e)``: Apex reports a
timeout as a CalloutException whose message says "timed out", every other transport failure as a
plain CalloutException, so ``timeout`` rules test the message and ``connect``/``protocol``/
``network``/``any`` rules catch the rest. Anything else the handler throws is ``EXCEPTION``.

Test cases are synthesized per rule (a status in its range, a JSON body holding the path's first
value, a body the pattern finds) and kept only when the bench's own ``map_result`` picks that rule
for that response, so every expectation in the Apex test is what the bench itself decided.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from otp_bench.domain.rules import Answer, Rule, map_result, parse_path
from otp_bench.domain.vocabulary import DeliveryResult
from otp_bench.export.apex_template import apex_string

RESULT = "Auth.CustomOneTimePasswordDeliveryResult"
_META = re.compile(r"[\[\](){}?*+|^$\\.]")


@dataclass(frozen=True)
class MockCase:
    """One test method: a response (or a thrown CalloutException) and the expected result."""

    name: str
    status: int | None  # None: the mock throws
    body: str
    expected: DeliveryResult
    why: str
    exception_message: str = ""


def uses_json(rules: tuple[Rule, ...]) -> bool:
    return any(r.json_path for r in rules)


def uses_pattern(rules: tuple[Rule, ...]) -> bool:
    return any(r.pattern for r in rules)


def response_checks(rules: tuple[Rule, ...], indent: str) -> str:
    """The if-chain over ``status``, ``root`` (parsed JSON) and ``body``."""
    lines: list[str] = []
    for rule in rules:
        if rule.error:
            continue
        conds = []
        if rule._status_range is not None:
            lo, hi = rule._status_range
            conds.append(f"status == {lo}" if lo == hi else f"status >= {lo} && status <= {hi}")
        if rule.json_path:
            path = ", ".join(
                apex_string(t) if isinstance(t, str) else str(t) for t in parse_path(rule.json_path)
            )
            values = (
                "new Set<String>{" + ", ".join(apex_string(v) for v in rule.equals) + "}"
                if rule.equals else "null"
            )
            conds.append(f"hasValue(root, new List<Object>{{{path}}}, {values})")
        if rule.pattern:
            conds.append(f"finds(body, {apex_string(rule.pattern)})")
        cond = " && ".join(conds) or "true"
        lines += [
            f"{indent}// {rule.describe()}",
            f"{indent}if ({cond}) {{",
            f"{indent}    return {RESULT}.{rule.result.value};",
            f"{indent}}}",
        ]
    lines += [
        f"{indent}// bench fallbacks: an unmatched 2xx is SUCCESS, anything else PROVIDER_ERROR",
        f"{indent}if (status >= 200 && status <= 299) {{",
        f"{indent}    return {RESULT}.SUCCESS;",
        f"{indent}}}",
        f"{indent}return {RESULT}.PROVIDER_ERROR;",
    ]
    return "\n".join(lines)


def error_checks(rules: tuple[Rule, ...], indent: str) -> str:
    """The body of ``catch (System.CalloutException e)``."""
    lines = []
    for rule in rules:
        if not rule.error or rule.error == "too_large":
            continue
        if rule.error == "timeout":
            cond = "timedOut"
        elif rule.error == "any":
            cond = "true"
        else:
            cond = "!timedOut"
        lines += [
            f"{indent}// {rule.describe()}",
            f"{indent}if ({cond}) {{",
            f"{indent}    return {RESULT}.{rule.result.value};",
            f"{indent}}}",
        ]
    lines.append(f"{indent}return {RESULT}.EXCEPTION; // the callout failed: the handler threw")
    return "\n".join(lines)


def _thrown(rules: tuple[Rule, ...], timed_out: bool) -> tuple[DeliveryResult, str]:
    """What the generated catch block returns (see error_checks)."""
    for rule in rules:
        if rule.error == "any" or (rule.error == "timeout" and timed_out) or (
            rule.error in ("connect", "protocol", "network") and not timed_out
        ):
            return rule.result, rule.describe()
    return DeliveryResult.EXCEPTION, "the callout failed: the handler threw → EXCEPTION"


def _json_for(rule: Rule) -> Any:
    value: Any = rule.equals[0] if rule.equals else "x"
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    doc: Any = value
    for tok in reversed(parse_path(rule.json_path)):
        doc = [doc] if isinstance(tok, int) and tok in (-1, 0) else (
            [None] * tok + [doc] if isinstance(tok, int) else {tok: doc}
        )
    return doc


def _sample_for(pattern: str) -> str | None:
    """A text the pattern finds, for simple patterns (literal words, (?i), \\b, .*)."""
    text = pattern.removeprefix("(?i)").replace("\\b", "").replace(".*", " ")
    return None if _META.search(text) else text


def _case_for(rule: Rule) -> tuple[int | None, str, str] | None:
    if rule.error:
        if rule.error == "timeout":
            return None, "", "Read timed out"
        if rule.error in ("any", "connect", "network", "protocol"):
            return None, "", "Unable to tunnel through proxy"
        return None
    status = rule._status_range[0] if rule._status_range else 200
    if rule._status_range and rule._status_range[0] < 200 <= rule._status_range[1]:
        status = 200
    body: Any = _json_for(rule) if rule.json_path else None
    if rule.pattern:
        sample = _sample_for(rule.pattern)
        if sample is None:
            return None
        body = {**body, "message": sample} if isinstance(body, dict) else (
            sample if body is None else None)
        if body is None:
            return None
    text = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return status, text, ""


def mock_cases(rules: tuple[Rule, ...]) -> list[MockCase]:
    """A case per reachable rule, then the fallbacks, each checked against ``map_result``."""
    cases: list[MockCase] = []
    seen: set[tuple[int | None, str, str]] = set()

    def add(name: str, status: int | None, body: str, message: str, why: str,
            want_rule: Rule | None) -> None:
        if (status, body, message) in seen:
            return
        if status is None:
            result, fired = _thrown(rules, "timed out" in message)
        else:
            result, fired = map_result(rules, Answer(status=status, body=body.encode()))
        if want_rule is not None and fired != want_rule.describe():
            return  # an earlier rule takes this response: the test would prove nothing new
        seen.add((status, body, message))
        cases.append(MockCase(name, status, body, result, why if want_rule else fired, message))

    for i, rule in enumerate(rules):
        made = _case_for(rule)
        if made is not None:
            status, body, message = made
            add(f"rule{i + 1}_{rule.result.value.lower()}", status, body, message,
                rule.describe(), rule)
    add("unmatched_2xx", 200, "{}", "", "", None)
    add("server_error", 500, "{}", "", "", None)
    add("timeout", None, "", "Read timed out", "", None)
    add("callout_failure", None, "", "Unable to tunnel through proxy", "", None)
    return cases
