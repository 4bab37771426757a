"""What the whole-file check knows besides the program: the rules of Salesforce's compiler it
applies (assignable scalar types, record methods), literal and system return types, and a walk over
the syntax tree."""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Iterator
from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.values import ApexList, ApexMap, ApexSet, Blob, Long

HANDLER_INTERFACE = "auth.customonetimepassworddeliveryhandler"
LITERAL_TYPES = {str: "String", bool: "Boolean", int: "Integer", Long: "Long", float: "Double",
                  decimal.Decimal: "Decimal"}
RECORD_METHODS = {
    "__mdt": {("getinstance", 1), ("getall", 0)},
    "__c": {("getinstance", 0), ("getinstance", 1), ("getorgdefaults", 0), ("getvalues", 1)},
}
# declared scalar type -> the scalar types a value may have without a cast
ASSIGNABLE: dict[str, set[str]] = {
    "string": {"string", "id"}, "id": {"string", "id"}, "boolean": {"boolean"},
    "integer": {"integer"}, "long": {"integer", "long"},
    "double": {"integer", "long", "double", "decimal"},
    "decimal": {"integer", "long", "double", "decimal"}, "blob": {"blob"},
}
VALUE_TYPES: dict[str, type] = {
    "string": str, "id": str, "integer": int, "long": Long, "double": float,
    "decimal": decimal.Decimal, "blob": Blob, "list": ApexList, "map": ApexMap, "set": ApexSet,
}
KNOWN_TYPES = {"object", "boolean", "void", "type", "sobject", "user", "network", "exception",
                "httpcalloutmock", "auth.customonetimepassworddeliveryhandler",
                "customonetimepassworddeliveryhandler", "comparable"}


CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    names = CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls)
                      if f.name not in ("owner", "outer", "line", "col", "type", "name", "key",
                                        "op", "value") or (f.name == "value" and cls is not s.Lit))
        CHILD_FIELDS[cls] = names
    return names


def walk(node: Any) -> Iterator[Any]:
    """Every syntax node under ``node`` (itself included)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list | tuple):
            stack.extend(cur)
            continue
        if not isinstance(cur, s.Node | s.Catch | s.When):
            continue
        yield cur
        for name in child_fields(type(cur)):
            value = getattr(cur, name)
            if value is not None and not isinstance(value, str | int | bool):
                stack.append(value)


def infer_literal(value: Any) -> s.TypeRef | None:
    literal = LITERAL_TYPES.get(type(value)) if value is not None else None
    return s.TypeRef((literal,)) if literal else None


def type_of(written: str, args: tuple[s.TypeRef, ...]) -> s.TypeRef | None:
    """``List<$E>`` etc. with the receiver's type arguments filled in."""
    slots = {"$K": 0, "$V": 1, "$E": 0}
    if written in slots:
        index = slots[written]
        return args[index] if len(args) > index else None
    if "<" in written:
        base, _, inner = written.partition("<")
        inner = inner.rstrip(">")
        arg = type_of(inner, args) if inner in slots else s.TypeRef((inner,))
        return s.TypeRef((base,), (arg,)) if arg is not None else s.TypeRef((base,))
    return s.TypeRef(tuple(written.split(".")))
