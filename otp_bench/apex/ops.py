"""Apex value semantics: printing, equality, arithmetic and comparison (``conversions.py`` has
casts, ``instanceof`` and assignment conversions).

Numbers follow Apex: Integer is 32-bit and wraps, Long 64-bit; mixed arithmetic widens along
Integer → Long → Double → Decimal; Integer division truncates toward zero; a null operand is a
NullPointerException; ``==`` on Strings ignores case, comparisons with null are false.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from typing import Any

from otp_bench.apex.classes import ClassInfo
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.syntax import TypeRef
from otp_bench.apex.values import (
    ApexList,
    ApexMap,
    ApexObject,
    ApexSet,
    Blob,
    EnumValue,
    Long,
    SObject,
    TypeValue,
)

Dec = decimal.Decimal
Resolver = Callable[[TypeRef], ClassInfo | None]
MAX_STRING = 3 * 1024 * 1024  # 6 MB of heap at 2 bytes a character
# + - * on Decimals are exact (Java's BigDecimal); a quotient that doesn't end is cut at 33
# significant digits: 1.0 / 3.0 is 0.333333333333333333333333333333333 in Apex.
DECIMAL_CONTEXT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN)
DIVISION_CONTEXT = decimal.Context(prec=33, rounding=decimal.ROUND_HALF_EVEN)


def wrap32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - 0x100000000 if n & 0x80000000 else n


def wrap64(n: int) -> Long:
    n &= 0xFFFFFFFFFFFFFFFF
    return Long(n - 0x10000000000000000 if n & 0x8000000000000000 else n)


# ------------------------------------------------------------------------------ names, printing

_SCALAR_NAMES = {bool: "Boolean", int: "Integer", Long: "Long", float: "Double", str: "String"}


def type_ref_name(t: TypeRef, *, inner: bool = False) -> str:
    if inner and t.key == "object":
        return "ANY"
    if t.key in ("list", "set") and t.args:
        return f"{t.parts[-1].capitalize()}<{type_ref_name(t.args[0], inner=True)}>"
    if t.key == "map" and len(t.args) == 2:
        key, value = (type_ref_name(a, inner=True) for a in t.args)
        return f"Map<{key},{value}>"
    return ".".join(t.parts)


def type_name(value: Any) -> str:
    """The runtime type as Salesforce prints it in a TypeException."""
    if value is None:
        return "null"
    simple = _SCALAR_NAMES.get(type(value))
    if simple:
        return simple
    if isinstance(value, Dec):
        return "Decimal"
    if isinstance(value, ApexList):
        return f"List<{type_ref_name(value.elem, inner=True)}>"
    if isinstance(value, ApexSet):
        return f"Set<{type_ref_name(value.elem, inner=True)}>"
    if isinstance(value, ApexMap):
        k, v = type_ref_name(value.key, inner=True), type_ref_name(value.value, inner=True)
        return f"Map<{k},{v}>"
    if isinstance(value, ApexObject):
        return value.cls.qualified
    if isinstance(value, EnumValue):
        return value.owner
    if isinstance(value, SObject):
        return value.type
    if isinstance(value, Blob):
        return "Blob"
    if isinstance(value, TypeValue):
        return "System.Type"
    return str(getattr(value, "APEX_TYPE", type(value).__name__))


def double_str(x: float) -> str:
    """Java's Double.toString: ``1.0``, ``0.001``, ``1.0E7``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if "." in text or "e" in text else text + ".0"
    mant, _, exp = f"{x:.17e}".partition("e")
    digits = repr(x)
    # shortest round-trip mantissa, Java style: d.ddddE[-]n
    m = Dec(digits).normalize()
    sign, ds, e = m.as_tuple()
    assert isinstance(e, int)
    s_digits = "".join(str(d) for d in ds)
    exponent = len(s_digits) + e - 1
    frac = s_digits[1:] or "0"
    del mant, exp
    return f"{'-' if sign else ''}{s_digits[0]}.{frac}E{exponent}"


def to_string(value: Any) -> str:
    """String.valueOf / concatenation: null prints as "null"."""
    if value is None:
        return "null"
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is int or t is Long:
        return str(int(value))
    if t is float:
        return double_str(value)
    if isinstance(value, Dec):
        return str(value)
    if isinstance(value, ApexList):
        return "(" + ", ".join(to_string(v) for v in value) + ")"
    if isinstance(value, ApexSet):
        return "{" + ", ".join(to_string(v) for v in value) + "}"
    if isinstance(value, ApexMap):
        return "{" + ", ".join(f"{to_string(k)}={to_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, ApexObject):
        if value.exc is not None:
            msg = value.exc.message
            return f"{value.cls.qualified}: {msg}" if msg is not None else value.cls.qualified
        inner = ", ".join(f"{k}={to_string(v)}" for k, v in _shown_fields(value))
        return f"{value.cls.qualified}:[{inner}]"
    if isinstance(value, SObject):
        inner = ", ".join(f"{k}={to_string(v)}" for k, v in value.fields.values())
        return f"{value.type}:{{{inner}}}"
    if isinstance(value, Blob):
        return f"Blob[{len(value.data)}]"
    if isinstance(value, TypeValue):
        return str(value.type)
    text = getattr(value, "apex_string", None)
    return text() if callable(text) else type_name(value)


def _shown_fields(obj: ApexObject) -> list[tuple[str, Any]]:
    names = {f.key: f.name for c in obj.cls.lineage() for f in c.instance_fields}
    return [(names.get(k, k), v) for k, v in obj.fields.items()]


# ------------------------------------------------------------------------------ equality, order


def equals(a: Any, b: Any) -> bool:
    """Apex ``==``: Strings ignore case; numbers compare by value across types."""
    if a is None or b is None:
        return a is None and b is None
    if type(a) is str and type(b) is str:
        return a.lower() == b.lower() if a != b else True
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if _is_num(a) and _is_num(b):
        return bool(_num(a) == _num(b))
    if isinstance(a, ApexList) and isinstance(b, ApexList):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, ApexMap) and isinstance(b, ApexMap):
        return a.keys() == b.keys() and all(equals(a[k], b[k]) for k in a)
    if isinstance(a, ApexSet) and isinstance(b, ApexSet):
        return a.items.keys() == b.items.keys()
    if isinstance(a, EnumValue) and isinstance(b, EnumValue):
        return a.owner.lower() == b.owner.lower() and a.name == b.name
    if isinstance(a, SObject) and isinstance(b, SObject):
        return a.type.lower() == b.type.lower() and all(
            equals(v, b.get(k)) for k, (_n, v) in a.fields.items())
    if isinstance(a, Blob) and isinstance(b, Blob):
        return a.data == b.data
    if isinstance(a, TypeValue) and isinstance(b, TypeValue):
        return a.type.qualified == b.type.qualified
    return a is b


def _is_num(v: Any) -> bool:
    t = type(v)
    return t is int or t is Long or t is float or t is Dec


def _num(v: Any) -> Any:
    return Dec(repr(v)) if type(v) is float and math.isfinite(v) else v


def compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False  # Apex: a comparison with null is false
    if type(a) is str and type(b) is str:
        x: Any = a.lower()
        y: Any = b.lower()
    elif _is_num(a) and _is_num(b):
        x, y = _num(a), _num(b)
    elif getattr(a, "APEX_ORDERED", False) and type(a) is type(b):
        x, y = a.sort_key(), b.sort_key()
    else:
        raise Unsupported(f"comparison {type_name(a)} {op} {type_name(b)}")
    if op == "<":
        return bool(x < y)
    if op == ">":
        return bool(x > y)
    if op == "<=":
        return bool(x <= y)
    return bool(x >= y)


# ------------------------------------------------------------------------------ arithmetic

_RANK = {int: 0, Long: 1, float: 2, Dec: 3}


def arith(op: str, a: Any, b: Any) -> Any:
    if op == "+" and (type(a) is str or type(b) is str):
        text = to_string(a) + to_string(b)
        if len(text) > MAX_STRING:
            raise throw("LimitException", f"Apex heap size too large: {2 * len(text)}")
        return text
    if a is None or b is None:
        raise npe()
    ta, tb = type(a), type(b)
    if ta not in _RANK or tb not in _RANK:
        hook = getattr(a, "apex_arith", None)
        if hook is not None:
            return hook(op, b)
        raise Unsupported(f"arithmetic {type_name(a)} {op} {type_name(b)}")
    rank = max(_RANK[ta], _RANK[tb])
    if rank == 3:
        x, y = _dec(a), _dec(b)
        with decimal.localcontext(DECIMAL_CONTEXT):
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if y == 0:
                raise throw("MathException", "Divide by 0")
            return _decimal_divide(x, y)
    if rank == 2:
        fx, fy = float(a), float(b)
        if op == "+":
            return fx + fy
        if op == "-":
            return fx - fy
        if op == "*":
            return fx * fy
        if fy == 0:
            raise throw("MathException", "Divide by 0")
        return fx / fy
    ix, iy = int(a), int(b)
    if op == "+":
        r = ix + iy
    elif op == "-":
        r = ix - iy
    elif op == "*":
        r = ix * iy
    else:
        if iy == 0:
            raise throw("MathException", "Divide by 0")
        q = abs(ix) // abs(iy)
        r = q if (ix >= 0) == (iy >= 0) else -q
    return wrap64(r) if rank == 1 else wrap32(r)


def _decimal_divide(x: Dec, y: Dec) -> Dec:
    """Apex keeps the dividend's scale when the quotient is exact at it, else 33 digits."""
    with decimal.localcontext(DIVISION_CONTEXT):
        q = x / y
    exponent = x.as_tuple().exponent
    scale = max(-exponent, 0) if isinstance(exponent, int) else 0
    exact = q.quantize(Dec(1).scaleb(-scale)) if scale < 40 else q
    if exact == q:
        return exact
    return q


def _dec(v: Any) -> Dec:
    if type(v) is float:
        return Dec(repr(v))
    return v if isinstance(v, Dec) else Dec(int(v))


def bitwise(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        raise npe()
    if type(a) is bool and type(b) is bool:
        if op == "&":
            return a and b
        if op == "|":
            return a or b
        return a != b
    if type(a) not in (int, Long) or type(b) not in (int, Long):
        raise Unsupported(f"operator {op} on {type_name(a)} and {type_name(b)}")
    is_long = type(a) is Long
    width = 64 if is_long else 32
    wrap: Callable[[int], Any] = wrap64 if is_long else wrap32
    x, y = int(a), int(b)
    if op == "&":
        return wrap(x & y)
    if op == "|":
        return wrap(x | y)
    if op == "^":
        return wrap(x ^ y)
    shift = y & (width - 1)
    if op == "<<":
        return wrap(x << shift)
    if op == ">>":
        return wrap(x >> shift)
    return wrap((x & ((1 << width) - 1)) >> shift)  # >>>
