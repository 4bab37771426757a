"""System.JSON: serialize (declaration order, ``suppressApexObjectNulls``), serializePretty
(Jackson's layout, as Salesforce prints it), deserializeUntyped (numbers become Integer, Long or
Decimal by size) and typed deserialize/deserializeStrict into the user's classes and collections.

Bench assumptions (docs/apex-runtime.md): typed deserialize doesn't run constructors or field
initialisers (absent fields stay null) and matches field names ignoring case; JSONException
messages follow Jackson's shape but not always its exact words.
"""

from __future__ import annotations

import base64
import decimal
import json
from typing import Any

from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import static
from otp_bench.apex.ops import double_str, to_string, type_name
from otp_bench.apex.syntax import OBJECT, STRING, TypeRef
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
MAX_DEPTH = 200


# ---------------------------------------------------------------------------- serialize

def _fields(rt: Any, obj: ApexObject) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for cls in reversed(obj.cls.lineage()):
        for f in cls.instance_fields:
            if f.transient:
                continue
            value = rt.get_field(obj, f, None) if f.getter and f.getter.body else obj.fields.get(
                f.key)
            out.append((f.name, value))
    return out


def encode(rt: Any, value: Any, suppress: bool, depth: int = 0) -> Any:
    """To a Python structure json.dumps prints the way Salesforce does (numbers pre-rendered)."""
    if depth > MAX_DEPTH:
        raise throw("JSONException", "Maximum nesting depth exceeded")
    if value is None or type(value) in (str, bool):
        return value
    if type(value) in (int, Long):
        return _Raw(str(int(value)))
    if type(value) is float:
        return _Raw(double_str(value))
    if isinstance(value, Dec):
        return _Raw(str(value))
    if isinstance(value, ApexList):
        return [encode(rt, v, suppress, depth + 1) for v in value]
    if isinstance(value, ApexSet):
        return [encode(rt, v, suppress, depth + 1) for v in value.items]
    if isinstance(value, ApexMap):
        return {to_string(k): encode(rt, v, suppress, depth + 1) for k, v in value.items()}
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, Blob):
        return base64.b64encode(value.data).decode("ascii")
    if isinstance(value, SObject):
        out: dict[str, Any] = {"attributes": {"type": value.type}}
        for name, v in value.fields.values():
            out[name] = encode(rt, v, suppress, depth + 1)
        return out
    json_form = getattr(value, "json", None)
    if callable(json_form):
        return json_form()
    if isinstance(value, ApexObject):
        if value.exc is not None:
            raise Unsupported("JSON.serialize of an exception")
        return {name: encode(rt, v, suppress, depth + 1) for name, v in _fields(rt, value)
                if not (suppress and v is None)}
    raise Unsupported(f"JSON.serialize of a {type_name(value)}")


class _Raw(str):
    """A number already rendered as Apex prints it."""


def dumps(data: Any, pretty: bool) -> str:
    if pretty:
        return _pretty(data, 0)
    return _compact(data)


def _scalar(data: Any) -> str:
    if isinstance(data, _Raw):
        return str(data)
    return json.dumps(data, ensure_ascii=False)


def _compact(data: Any) -> str:
    if isinstance(data, list):
        return "[" + ",".join(_compact(v) for v in data) + "]"
    if isinstance(data, dict):
        return "{" + ",".join(f"{_scalar(k)}:{_compact(v)}" for k, v in data.items()) + "}"
    return _scalar(data)


def _pretty(data: Any, level: int) -> str:
    pad = "  " * (level + 1)
    if isinstance(data, list):
        if not data:
            return "[ ]"
        return "[ " + ", ".join(_pretty(v, level) for v in data) + " ]"
    if isinstance(data, dict):
        if not data:
            return "{ }"
        inner = ",\n".join(f"{pad}{_scalar(k)} : {_pretty(v, level + 1)}" for k, v in data.items())
        return "{\n" + inner + "\n" + "  " * level + "}"
    return _scalar(data)


@static("JSON", "serialize", 1, 2)
def serialize(rt: Any, value: Any, suppress: Any = False) -> str:
    return dumps(encode(rt, value, suppress is True), pretty=False)


@static("JSON", "serializePretty", 1, 2)
def serialize_pretty(rt: Any, value: Any, suppress: Any = False) -> str:
    return dumps(encode(rt, value, suppress is True), pretty=True)


# ---------------------------------------------------------------------------- parse

def _int(text: str) -> Any:
    n = int(text)
    if -(2**31) <= n < 2**31:
        return n
    if -(2**63) <= n < 2**63:
        return Long(n)
    return Dec(n)


def _const(name: str) -> Any:
    raise ValueError(f"Unexpected token {name}")


def parse(text: Any) -> Any:
    """JSON text → untyped Apex values (Map<String,Object>, List<Object>, scalars)."""
    if text is None:
        raise npe()
    if not isinstance(text, str):
        raise Unsupported(f"JSON parsing of a {type_name(text)}")
    try:
        data = json.loads(text, parse_int=_int, parse_float=Dec, parse_constant=_const)
    except json.JSONDecodeError as exc:
        ch = text[exc.pos] if exc.pos < len(text) else ""
        what = f"'{ch}' (code {ord(ch)})" if ch else "end-of-input"
        raise throw("JSONException", f"Unexpected character ({what}): {exc.msg} at input "
                    f"location [{exc.lineno},{exc.colno}]") from None
    except (ValueError, RecursionError) as exc:
        raise throw("JSONException", str(exc) or "Malformed JSON") from None
    return untyped(data)


def untyped(data: Any) -> Any:
    if isinstance(data, dict):
        out = ApexMap(STRING, OBJECT)
        for k, v in data.items():
            out[k] = untyped(v)
        return out
    if isinstance(data, list):
        return ApexList(OBJECT, [untyped(v) for v in data])
    return data


@static("JSON", "deserializeUntyped", 1)
def deserialize_untyped(rt: Any, text: Any) -> Any:
    return parse(text)


@static("JSON", "deserialize", 2)
def deserialize(rt: Any, text: Any, t: Any) -> Any:
    return _typed(rt, t, text, strict=False)


@static("JSON", "deserializeStrict", 2)
def deserialize_strict(rt: Any, text: Any, t: Any) -> Any:
    return _typed(rt, t, text, strict=True)


def _typed(rt: Any, t: Any, text: Any, *, strict: bool) -> Any:
    if t is None:
        raise npe()
    if not isinstance(t, TypeValue):
        raise Unsupported("JSON.deserialize with a type that is not Foo.class")
    return convert(rt, parse(text), t.type, strict, t.ctx)


def _bad(value: Any, t: TypeRef) -> Exception:
    return throw("JSONException", f"Illegal value for {t}: {to_string(value)}")


def convert(rt: Any, value: Any, t: TypeRef, strict: bool, ctx: Any) -> Any:
    key = t.key
    if value is None or key == "object":
        return value
    if key in ("string", "id"):
        if isinstance(value, ApexMap | ApexList):
            raise _bad("{...}" if isinstance(value, ApexMap) else "[...]", t)
        return to_string(value) if type(value) is not str else value
    if key in ("integer", "long", "double", "decimal"):
        return _number(value, t)
    if key == "boolean":
        if type(value) is bool:
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _bad(value, t)
    if key == "blob":
        if not isinstance(value, str):
            raise _bad(value, t)
        return Blob(base64.b64decode(value))
    if key in ("list", "set"):
        if not isinstance(value, ApexList):
            raise throw("JSONException", f"Expected {t} but found {_kind(value)}")
        elem = t.args[0] if t.args else OBJECT
        items = [convert(rt, v, elem, strict, ctx) for v in value]
        return ApexList(elem, items) if key == "list" else ApexSet(elem, items)
    if key == "map":
        if not isinstance(value, ApexMap):
            raise throw("JSONException", f"Expected {t} but found {_kind(value)}")
        kt, vt = (*t.args, OBJECT, OBJECT)[:2]
        out = ApexMap(kt, vt)
        for k, v in value.items():
            out[convert(rt, k, kt, strict, ctx)] = convert(rt, v, vt, strict, ctx)
        return out
    cls = rt.program.resolve(t.parts, ctx)
    if cls is None or cls.decl is None:
        from otp_bench.apex import lib

        enum = lib.ENUMS.get(lib.class_key(t.parts))
        if enum is not None and isinstance(value, str) and value.upper() in enum[1]:
            return rt.enum_value(enum[0], value, enum[1].index(value.upper()))
        raise Unsupported(f"JSON.deserialize into {t}")
    if cls.kind == "enum":
        names = [c.upper() for c in cls.decl.constants]
        if isinstance(value, str) and value.upper() in names:
            return rt.enum_value(cls.qualified, value, names.index(value.upper()))
        raise _bad(value, t)
    if not isinstance(value, ApexMap):
        raise throw("JSONException", f"Expected {t} but found {_kind(value)}")
    if cls.decl.abstract or cls.kind != "class":
        raise throw("JSONException", f"Cannot deserialize instance of {cls.qualified}: "
                    "abstract type")
    obj = ApexObject(cls)
    fields = {f.key: f for c in cls.lineage() for f in c.instance_fields}
    for f in fields.values():
        obj.fields[f.key] = None
    for k, v in value.items():
        f = fields.get(k.lower())
        if f is None:
            if strict:
                raise throw("JSONException", f"Unknown field: {cls.qualified}.{k}")
            continue
        obj.fields[f.key] = convert(rt, v, f.type, strict, cls)
    return obj


def _kind(value: Any) -> str:
    if isinstance(value, ApexMap):
        return "START_OBJECT"
    if isinstance(value, ApexList):
        return "START_ARRAY"
    if isinstance(value, str):
        return "VALUE_STRING"
    if type(value) is bool:
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    return "VALUE_NUMBER"


def _number(value: Any, t: TypeRef) -> Any:
    if type(value) is bool or isinstance(value, ApexMap | ApexList):
        raise _bad(value, t)
    try:
        d = Dec(value)
    except decimal.InvalidOperation:
        raise _bad(value, t) from None
    key = t.key
    if key == "decimal":
        return d
    if key == "double":
        return float(d)
    if d != d.to_integral_value() and isinstance(value, str):
        raise _bad(value, t)
    n = int(d)
    if key == "integer":
        if not -(2**31) <= n < 2**31:
            raise _bad(value, t)
        return n
    return Long(n)
