"""``instanceof``, casts and the implicit conversions of an assignment or a call.

Element types of collections are kept, so ``(Map<String,Object>) JSON.deserializeUntyped(…)``
succeeds and ``(Map<String,String>)`` of the same value throws ``System.TypeException: Invalid
conversion from runtime type Map<String,ANY> to Map<String,String>`` as in Salesforce.
"""

from __future__ import annotations

import decimal
from typing import Any

from otp_bench.apex.classes import ClassInfo
from otp_bench.apex.errors import Unsupported, throw
from otp_bench.apex.ops import Resolver, type_name, type_ref_name
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
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,), "id": (str,), "boolean": (bool,), "integer": (int,), "long": (Long,),
    "double": (float,), "decimal": (Dec,), "blob": (Blob,),
}
_WIDEN = {  # implicit numeric widening: target -> accepted source types
    "long": (int,), "double": (int, Long, Dec), "decimal": (int, Long, float),
}
ID_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def same_type(a: TypeRef, b: TypeRef) -> bool:
    if a.key != b.key or len(a.args) != len(b.args):
        return False
    return all(same_type(x, y) for x, y in zip(a.args, b.args, strict=True))


def elem_fits(actual: TypeRef, wanted: TypeRef, resolve: Resolver) -> bool:
    """Is a collection of ``actual`` elements usable as one of ``wanted`` elements?"""
    if wanted.key == "object" or same_type(actual, wanted):
        return True
    if actual.key in ("string", "id") and wanted.key in ("string", "id"):
        return True
    a = resolve(actual)
    w = resolve(wanted)
    return a is not None and w is not None and a.is_subclass_of(w)


def instance_of(value: Any, t: TypeRef, resolve: Resolver) -> bool:
    if value is None:
        return False
    key = t.key
    if key == "object":
        return True
    scalar = _SCALARS.get(key)
    if scalar is not None:
        return type(value) in scalar
    if isinstance(value, ApexList):
        return key == "list" and (not t.args or elem_fits(value.elem, t.args[0], resolve))
    if isinstance(value, ApexSet):
        return key == "set" and (not t.args or elem_fits(value.elem, t.args[0], resolve))
    if isinstance(value, ApexMap):
        return key == "map" and (len(t.args) != 2 or (
            elem_fits(value.key, t.args[0], resolve)
            and elem_fits(value.value, t.args[1], resolve)))
    if isinstance(value, ApexObject):
        cls = resolve(t)
        if cls is not None:
            return value.cls.is_subclass_of(cls)
        return value.cls.implements(t.qualified)
    if isinstance(value, EnumValue):
        return value.owner.lower().rsplit(".", 1)[-1] == key
    if isinstance(value, SObject):
        return key == "sobject" or value.type.lower() == key
    if isinstance(value, TypeValue):
        return key == "type"
    apex_type = getattr(value, "APEX_TYPE", None)
    return apex_type is not None and str(apex_type).lower().rsplit(".", 1)[-1] == key


def cast(value: Any, t: TypeRef, resolve: Resolver) -> Any:
    """``(T) value``: the value itself (numbers widened), or System.TypeException."""
    if value is None or instance_of(value, t, resolve):
        return value
    widened = widen(value, t.key)
    if widened is not None:
        return widened
    if t.key == "id" and type(value) is str:
        return to_id(value)
    raise throw("TypeException", f"Invalid conversion from runtime type {type_name(value)} "
                f"to {type_ref_name(t)}")


def widen(value: Any, key: str) -> Any:
    sources = _WIDEN.get(key)
    if sources is None or type(value) not in sources:
        return None
    if key == "long":
        return Long(value)
    if key == "double":
        return float(value)
    return Dec(repr(value)) if type(value) is float else Dec(int(value))


def to_id(value: str) -> str:
    """A String as an Id: checked, and a 15-character Id gets its 3-character checksum."""
    if len(value) not in (15, 18) or not set(value) <= ID_CHARS:
        raise throw("StringException", f"Invalid id: {value}")
    if len(value) == 15:
        suffix = ""
        for chunk in range(3):
            bits = sum(1 << i for i, ch in enumerate(value[chunk * 5:chunk * 5 + 5])
                       if "A" <= ch <= "Z")
            suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
        return value + suffix
    return value


def assign(value: Any, t: TypeRef, resolve: Resolver) -> Any:
    """An assignment or argument to a variable declared ``t``: widen numbers, check the rest.

    A value that doesn't fit is something Salesforce's compiler would have refused; the bench
    refuses it too (it has no compiler to tell it earlier).
    """
    if value is None:
        return None
    key = t.key
    scalar = _SCALARS.get(key)
    if scalar is not None and type(value) in scalar and key != "id":
        return value  # the common case, first
    if key not in ("list", "object") and hasattr(value, "single"):
        value = value.single()  # a SOQL result assigned to one record
    scalar = _SCALARS.get(key)
    if scalar is not None:
        if type(value) in scalar:
            return to_id(value) if key == "id" else value
        widened = widen(value, key)
        if widened is not None:
            return widened
        raise Unsupported(f"Illegal assignment from {type_name(value)} to {type_ref_name(t)} "
                          "(Salesforce would not compile this)")
    if key == "object" or instance_of(value, t, resolve):
        return value
    if isinstance(value, ApexList | ApexMap | ApexSet | ApexObject):
        raise Unsupported(f"Illegal assignment from {type_name(value)} to {type_ref_name(t)} "
                          "(Salesforce would not compile this)")
    from otp_bench.apex import lib

    system_type = lib.TYPES.get(lib.class_key(t.parts))
    if system_type is not None and not isinstance(value, system_type):
        raise Unsupported(f"Illegal assignment from {type_name(value)} to {type_ref_name(t)} "
                          "(Salesforce would not compile this)")
    return value  # records and the rest: trusted to the library's own typing


def resolve_class(program: Any, t: TypeRef, context: ClassInfo | None) -> ClassInfo | None:
    result: ClassInfo | None = program.resolve(t.parts, context)
    return result
