"""Methods every exception has, and what every object answers (``toString``, ``equals``)."""

from __future__ import annotations

from typing import Any

from otp_bench.apex.errors import Unsupported
from otp_bench.apex.lib import method
from otp_bench.apex.ops import equals, to_string
from otp_bench.apex.values import ApexObject, EnumValue, ExcState


def _exc(obj: ApexObject) -> ExcState:
    if obj.exc is None:
        raise Unsupported(f"{obj.cls.qualified} is not an exception")
    return obj.exc


@method(ApexObject, "getMessage", 0)
def get_message(rt: Any, obj: ApexObject) -> Any:
    return _exc(obj).message


@method(ApexObject, "setMessage", 1)
def set_message(rt: Any, obj: ApexObject, message: Any) -> None:
    _exc(obj).message = message


@method(ApexObject, "getTypeName", 0)
def get_type_name(rt: Any, obj: ApexObject) -> str:
    _exc(obj)
    return obj.cls.qualified


@method(ApexObject, "getLineNumber", 0)
def get_line_number(rt: Any, obj: ApexObject) -> int:
    return _exc(obj).line


@method(ApexObject, "getCause", 0)
def get_cause(rt: Any, obj: ApexObject) -> Any:
    return _exc(obj).cause


@method(ApexObject, "initCause", 1)
def init_cause(rt: Any, obj: ApexObject, cause: Any) -> None:
    _exc(obj).cause = cause


@method(ApexObject, "getStackTraceString", 0)
def get_stack_trace_string(rt: Any, obj: ApexObject) -> str:
    return _exc(obj).stack


@method(ApexObject, "toString", 0)
def object_to_string(rt: Any, obj: ApexObject) -> str:
    return to_string(obj)


@method(ApexObject, "equals", 1)
def object_equals(rt: Any, obj: ApexObject, other: Any) -> bool:
    return obj is other


@method(ApexObject, "hashCode", 0)
def object_hash(rt: Any, obj: ApexObject) -> int:
    return id(obj) & 0x7FFFFFFF


@method(EnumValue, "name", 0)
def enum_name(rt: Any, value: EnumValue) -> str:
    return value.name


@method(EnumValue, "ordinal", 0)
def enum_ordinal(rt: Any, value: EnumValue) -> int:
    return value.ordinal


@method(EnumValue, "equals", 1)
def enum_equals(rt: Any, value: EnumValue, other: Any) -> bool:
    return equals(value, other)


@method(EnumValue, "toString", 0)
def enum_to_string(rt: Any, value: EnumValue) -> str:
    return value.name
