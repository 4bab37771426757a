"""Custom metadata (``Type__mdt.getInstance/getAll``) and hierarchy custom settings
(``Setting__c.getInstance/getOrgDefaults/getValues``), read from the provider configuration."""

from __future__ import annotations

import decimal
from typing import Any

from otp_bench.apex.errors import Unsupported, throw
from otp_bench.apex.lib import method
from otp_bench.apex.syntax import TypeRef
from otp_bench.apex.values import ApexMap, SObject


def _lookup(table: dict[str, Any], name: str) -> tuple[str, Any] | None:
    for key, value in table.items():
        if key.lower() == name.lower():
            return key, value
    return None


def records_call(rt: Any, type_key: str, method: str, args: list[Any]) -> Any:
    if type_key.endswith("__mdt"):
        found = _lookup(rt.env.custom_metadata, type_key)
        name, records = found if found else (type_key, {})
        if method == "getinstance" and len(args) == 1:
            rec = _lookup(records, str(args[0])) if args[0] is not None else None
            return _record(name, rec[0], rec[1]) if rec else None
        if method == "getall" and not args:
            out = ApexMap(TypeRef(("String",)), TypeRef((name,)))
            for dev_name, fields in records.items():
                out[dev_name] = _record(name, dev_name, fields)
            return out
        raise Unsupported(f"{name}.{method} with {len(args)} arguments")
    found = _lookup(rt.env.custom_settings, type_key)
    name, fields = found if found else (type_key, None)
    if method in ("getinstance", "getorgdefaults") and len(args) <= 1:
        return SObject(name, _fields(fields), all_fields=True)
    if method == "getvalues" and len(args) == 1:
        return SObject(name, _fields(fields), all_fields=True) if fields is not None else None
    raise Unsupported(f"{name}.{method} with {len(args)} arguments")


@method(SObject, "get", 1)
def sobject_get(rt: Any, record: SObject, name: Any) -> Any:
    if not isinstance(name, str):
        raise Unsupported("SObject.get with a field token")
    if not record.has(name) and name.lower() != "id" and not record.all_fields:
        raise throw("SObjectException", "SObject row was retrieved via SOQL without querying "
                    f"the requested field: {record.type}.{name}")
    return record.get(name)


@method(SObject, "put", 2)
def sobject_put(rt: Any, record: SObject, name: Any, value: Any) -> Any:
    if not isinstance(name, str):
        raise Unsupported("SObject.put with a field token")
    old = record.get(name)
    record.fields[name.lower()] = (name, value)
    return old


def _fields(fields: dict[str, Any] | None) -> dict[str, Any]:
    return {k: apex_value(v) for k, v in (fields or {}).items()}


def _record(type_name: str, dev_name: str, fields: dict[str, Any]) -> SObject:
    data: dict[str, Any] = {"DeveloperName": dev_name, "MasterLabel": dev_name, "Label": dev_name}
    data.update({k: apex_value(v) for k, v in (fields or {}).items()})
    return SObject(type_name, data, all_fields=True)


def apex_value(value: Any) -> Any:
    """A configured field value as Apex holds it: numbers are Decimal, text is String."""
    if value is None or isinstance(value, bool | str | decimal.Decimal):
        return value
    if isinstance(value, int | float):
        return decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    return str(value)
