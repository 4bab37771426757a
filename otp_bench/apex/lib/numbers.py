"""Integer, Long, Double, Decimal and Math. Parsing failures are ``System.TypeException: Invalid
integer: abc`` as in Salesforce; Decimal keeps its scale; ``Math.mod`` has the dividend's sign."""

from __future__ import annotations

import decimal
import math
import random
from typing import Any

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import enum, method, static
from otp_bench.apex.ops import double_str, to_string, type_name, wrap32, wrap64
from otp_bench.apex.values import EnumValue, Long

Dec = decimal.Decimal
enum("System.RoundingMode", ("CEILING", "DOWN", "FLOOR", "HALF_DOWN", "HALF_EVEN", "HALF_UP",
                             "UNNECESSARY", "UP"))
_MODES = {"CEILING": decimal.ROUND_CEILING, "DOWN": decimal.ROUND_DOWN,
          "FLOOR": decimal.ROUND_FLOOR, "HALF_DOWN": decimal.ROUND_HALF_DOWN,
          "HALF_EVEN": decimal.ROUND_HALF_EVEN, "HALF_UP": decimal.ROUND_HALF_UP,
          "UP": decimal.ROUND_UP}


def _num(v: Any) -> Any:
    if v is None:
        raise npe()
    if type(v) is bool or not isinstance(v, int | float | Dec):
        raise Unsupported(f"a {type_name(v)} where a number is expected")
    return v


def _parse(text: Any, kind: str) -> Dec:
    raw = text.strip() if isinstance(text, str) else text
    try:
        value = Dec(raw)
        if not value.is_finite():
            raise decimal.InvalidOperation
        return value
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise throw("TypeException", f"Invalid {kind}: {text}") from None


def _to_int(value: Any, kind: str, bits: int) -> int:
    if value is None:
        return None  # type: ignore[return-value]
    if isinstance(value, str):
        d = _parse(value, kind)
        if d != d.to_integral_value() or "." in value or "e" in value.lower():
            raise throw("TypeException", f"Invalid {kind}: {value}")
        n = int(d)
        if not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1):
            raise throw("TypeException", f"Invalid {kind}: {value}")
        return n
    if type(value) in (int, Long):
        return int(value)
    if isinstance(value, float | Dec):
        return int(value)  # Integer.valueOf(Object) of a Decimal truncates
    raise throw("TypeException", f"Invalid conversion from runtime type {type_name(value)} to "
                f"{kind.capitalize()}")


static("Integer", "valueOf", 1)(
    lambda rt, v: None if v is None else wrap32(_to_int(v, "integer", 32)))
static("Long", "valueOf", 1)(lambda rt, v: None if v is None else wrap64(_to_int(v, "long", 64)))


@static("Decimal", "valueOf", 1)
def decimal_value_of(rt: Any, v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        return _parse(v, "decimal")
    if type(v) is float:
        return Dec(repr(v))
    return Dec(int(_num(v))) if not isinstance(v, Dec) else v


@static("Boolean", "valueOf", 1)
def boolean_value_of(rt: Any, v: Any) -> Any:
    if v is None or type(v) is bool:
        return v
    if isinstance(v, str):
        return v.lower() == "true"
    raise throw("TypeException", f"Invalid conversion from runtime type {type_name(v)} to "
                "Boolean")


@static("Id", "valueOf", 1)
def id_value_of(rt: Any, v: Any) -> Any:
    from otp_bench.apex.conversions import to_id

    if v is None:
        return None
    if not isinstance(v, str):
        raise throw("TypeException", f"Invalid id: {v}")
    return to_id(v)


@static("Double", "valueOf", 1)
def double_value_of(rt: Any, v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        return float(_parse(v, "double"))
    return float(_num(v))


# ---------------------------------------------------------------------------- instance methods

# Signatures as in Salesforce's standard types: Integer has no intValue(), Long no longValue().
_NUMBER_TYPES: tuple[type, ...] = (int, Long, float, Dec)
for _t in _NUMBER_TYPES[1:]:
    method(_t, "intValue", 0)(lambda rt, n: wrap32(int(n)))
for _t in _NUMBER_TYPES[2:]:
    method(_t, "longValue", 0)(lambda rt, n: wrap64(int(n)))
method(Dec, "doubleValue", 0)(lambda rt, n: float(n))
for _t in _NUMBER_TYPES:
    method(_t, "format", 0)(lambda rt, n: _format(n))
    method(_t, "toString", 0)(lambda rt, n: to_string(n))
    method(_t, "equals", 1)(lambda rt, n, o: type(n) is type(o) and n == o)
method(Dec, "scale", 0)(lambda rt, d: max(-d.as_tuple().exponent, 0))
method(Dec, "precision", 0)(lambda rt, d: max(len(d.as_tuple().digits), 1))
method(Dec, "abs", 0)(lambda rt, d: abs(d))
method(Dec, "stripTrailingZeros", 0)(lambda rt, d: d.normalize() if d else Dec(0))
method(Dec, "toPlainString", 0)(lambda rt, d: f"{d:f}")
method(Dec, "round", 0)(lambda rt, d: Long(int(d.quantize(Dec(1), decimal.ROUND_HALF_EVEN))))
method(Dec, "round", 1)(lambda rt, d, m: Long(int(d.quantize(Dec(1), _mode(m)))))
method(Dec, "pow", 1)(lambda rt, d, n: d ** int(_num(n)))


def _mode(m: Any) -> str:
    if not isinstance(m, EnumValue) or m.name not in _MODES:
        raise Unsupported(f"rounding mode {to_string(m)}")
    return _MODES[m.name]


@method(Dec, "setScale", 1, 2)
def set_scale(rt: Any, d: Dec, scale: Any, mode: Any = None) -> Dec:
    # half up when no mode is given (the Apex reference as recalled; a bench assumption)
    rounding = _mode(mode) if mode is not None else decimal.ROUND_HALF_UP
    with decimal.localcontext() as ctx:
        ctx.prec = 64
        return d.quantize(Dec(1).scaleb(-int(_num(scale))), rounding=rounding)


@method(Dec, "divide", 2, 3)
def divide(rt: Any, d: Dec, by: Any, scale: Any, mode: Any = None) -> Dec:
    divisor = Dec(repr(by)) if type(by) is float else Dec(_num(by))
    if divisor == 0:
        raise throw("MathException", "Divide by 0")
    with decimal.localcontext() as ctx:
        ctx.prec = 64
        q = d / divisor
        rounding = _mode(mode) if mode is not None else decimal.ROUND_HALF_UP
        return q.quantize(Dec(1).scaleb(-int(_num(scale))), rounding=rounding)


def _format(n: Any) -> str:
    if type(n) in (int, Long):
        return f"{int(n):,}"
    if type(n) is float:
        return double_str(n)
    return f"{n:,f}"


# ---------------------------------------------------------------------------- Math

def _same_kind(a: Any, b: Any, value: Any) -> Any:
    if type(a) is Dec or type(b) is Dec:
        return Dec(value) if not isinstance(value, Dec) else value
    if type(a) is float or type(b) is float:
        return float(value)
    if type(a) is Long or type(b) is Long:
        return Long(value)
    return value


static("Math", "abs", 1)(lambda rt, x: abs(_num(x)) if type(x) not in (int, Long)
                         else type(x)(abs(x)))
static("Math", "min", 2)(lambda rt, a, b: _same_kind(a, b, min(_num(a), _num(b))))
static("Math", "max", 2)(lambda rt, a, b: _same_kind(a, b, max(_num(a), _num(b))))
static("Math", "floor", 1)(lambda rt, x: _integral(x, decimal.ROUND_FLOOR))
static("Math", "ceil", 1)(lambda rt, x: _integral(x, decimal.ROUND_CEILING))


def _integral(x: Any, rounding: str) -> Any:
    """Math.floor/ceil: a Decimal stays a Decimal, anything else becomes a Double."""
    value = _num(x)
    if isinstance(value, Dec):
        return value.to_integral_value(rounding=rounding)
    return float(math.floor(value) if rounding == decimal.ROUND_FLOOR else math.ceil(value))
static("Math", "sqrt", 1)(lambda rt, x: math.sqrt(_num(x)) if _num(x) >= 0 else math.nan)
static("Math", "pow", 2)(lambda rt, a, b: math.pow(_num(a), _num(b)))
static("Math", "random", 0)(lambda rt: random.random())
static("Math", "round", 1)(lambda rt, x: wrap32(_half_up(x)))
static("Math", "roundToLong", 1)(lambda rt, x: wrap64(_half_up(x)))


def _half_up(x: Any) -> int:
    """Math.round: to the nearest, ties toward positive infinity (Java's Math.round)."""
    return math.floor(Dec(repr(_num(x))) + Dec("0.5"))


@static("Math", "mod", 2)
def mod(rt: Any, a: Any, b: Any) -> Any:
    x, y = int(_num(a)), int(_num(b))
    if y == 0:
        raise throw("MathException", "Divide by 0")
    r = abs(x) % abs(y)
    r = r if x >= 0 else -r
    return Long(r) if type(a) is Long or type(b) is Long else r
