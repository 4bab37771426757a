"""System.JSONParser, the streaming reader older handlers use: nextToken, getCurrentToken,
getCurrentName, getText, getIntegerValue/getDecimalValue/getBooleanValue, nextValue,
skipChildren, hasCurrentToken, and the System.JSONToken enum."""

from __future__ import annotations

import decimal
from typing import Any

from otp_bench.apex.errors import throw
from otp_bench.apex.lib import apex_type, enum, method, static
from otp_bench.apex.lib.json_lib import parse
from otp_bench.apex.ops import to_string, wrap32, wrap64
from otp_bench.apex.values import ApexList, ApexMap, Long

TOKENS = ("END_ARRAY", "END_OBJECT", "FIELD_NAME", "NOT_AVAILABLE", "START_ARRAY", "START_OBJECT",
          "VALUE_EMBEDDED_OBJECT", "VALUE_FALSE", "VALUE_NULL", "VALUE_NUMBER_FLOAT",
          "VALUE_NUMBER_INT", "VALUE_STRING", "VALUE_TRUE")
enum("System.JSONToken", TOKENS)


class JSONParser:
    APEX_TYPE = "System.JSONParser"

    def __init__(self, data: Any) -> None:
        self.tokens: list[tuple[str, str | None, Any]] = []  # (token, field name, value)
        self._flatten(data, None)
        self.pos = -1

    def _flatten(self, data: Any, name: str | None) -> None:
        if isinstance(data, ApexMap):
            self.tokens.append(("START_OBJECT", name, None))
            for k, v in data.items():
                self.tokens.append(("FIELD_NAME", k, k))
                self._flatten(v, k)
            self.tokens.append(("END_OBJECT", name, None))
        elif isinstance(data, ApexList):
            self.tokens.append(("START_ARRAY", name, None))
            for v in data:
                self._flatten(v, name)
            self.tokens.append(("END_ARRAY", name, None))
        elif data is None:
            self.tokens.append(("VALUE_NULL", name, None))
        elif data is True or data is False:
            self.tokens.append(("VALUE_TRUE" if data else "VALUE_FALSE", name, data))
        elif isinstance(data, str):
            self.tokens.append(("VALUE_STRING", name, data))
        elif isinstance(data, decimal.Decimal):
            self.tokens.append(("VALUE_NUMBER_FLOAT", name, data))
        else:
            self.tokens.append(("VALUE_NUMBER_INT", name, data))

    def current(self) -> tuple[str, str | None, Any] | None:
        return self.tokens[self.pos] if 0 <= self.pos < len(self.tokens) else None


apex_type("JSONParser", JSONParser)
static("JSON", "createParser", 1)(lambda rt, text: JSONParser(parse(text)))


def _token(rt: Any, p: JSONParser) -> Any:
    cur = p.current()
    return rt.enum_value("System.JSONToken", cur[0], TOKENS.index(cur[0])) if cur else None


@method(JSONParser, "nextToken", 0)
def next_token(rt: Any, p: JSONParser) -> Any:
    p.pos = min(p.pos + 1, len(p.tokens))
    return _token(rt, p)


@method(JSONParser, "nextValue", 0)
def next_value(rt: Any, p: JSONParser) -> Any:
    next_token(rt, p)
    cur = p.current()
    if cur is not None and cur[0] == "FIELD_NAME":
        next_token(rt, p)
    return _token(rt, p)


method(JSONParser, "getCurrentToken", 0)(_token)
method(JSONParser, "hasCurrentToken", 0)(lambda rt, p: p.current() is not None)


@method(JSONParser, "getCurrentName", 0)
def current_name(rt: Any, p: JSONParser) -> Any:
    cur = p.current()
    return cur[1] if cur else None


@method(JSONParser, "getText", 0)
def get_text(rt: Any, p: JSONParser) -> Any:
    cur = p.current()
    if cur is None:
        return None
    token, name, value = cur
    if token == "FIELD_NAME":
        return name
    if token in ("START_OBJECT", "END_OBJECT", "START_ARRAY", "END_ARRAY"):
        return {"START_OBJECT": "{", "END_OBJECT": "}", "START_ARRAY": "[", "END_ARRAY": "]"}[token]
    return to_string(value) if value is not None else "null"


def _value(p: JSONParser, kinds: tuple[str, ...], what: str) -> Any:
    cur = p.current()
    if cur is None or cur[0] not in kinds:
        raise throw("JSONException", f"Current token is not {what}")
    return cur[2]


method(JSONParser, "getIntegerValue", 0)(
    lambda rt, p: wrap32(int(_value(p, ("VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT"), "a number"))))
method(JSONParser, "getLongValue", 0)(
    lambda rt, p: wrap64(int(_value(p, ("VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT"), "a number"))))
method(JSONParser, "getDecimalValue", 0)(
    lambda rt, p: decimal.Decimal(int(v) if isinstance(
        v := _value(p, ("VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT"), "a number"), int | Long) else v))
method(JSONParser, "getDoubleValue", 0)(
    lambda rt, p: float(_value(p, ("VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT"), "a number")))
method(JSONParser, "getBooleanValue", 0)(
    lambda rt, p: _value(p, ("VALUE_TRUE", "VALUE_FALSE"), "a boolean"))


@method(JSONParser, "skipChildren", 0)
def skip_children(rt: Any, p: JSONParser) -> None:
    cur = p.current()
    if cur is None or cur[0] not in ("START_OBJECT", "START_ARRAY"):
        return
    depth = 0
    while p.pos < len(p.tokens):
        token = p.tokens[p.pos][0]
        if token in ("START_OBJECT", "START_ARRAY"):
            depth += 1
        elif token in ("END_OBJECT", "END_ARRAY"):
            depth -= 1
            if depth == 0:
                return
        p.pos += 1
