"""Apex values at run time, as Python values with just enough type attached.

| Apex | Python |
|---|---|
| Integer | ``int`` (kept in 32 bits by the arithmetic) |
| Long | ``Long`` (an ``int`` subclass: 64 bits) |
| Double | ``float`` |
| Decimal | ``decimal.Decimal`` (scale kept) |
| String, Id | ``str`` |
| Boolean | ``bool`` |
| Blob | ``Blob`` |
| List / Set / Map | ``ApexList`` / ``ApexSet`` / ``ApexMap`` with their element types |
| a class instance (also exceptions) | ``ApexObject`` |
| an enum value | ``EnumValue`` |
| User / Network / custom metadata / settings records | ``SObject`` (fields case-insensitive) |
| ``Foo.class`` | ``TypeValue`` |
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from otp_bench.apex.syntax import OBJECT, TypeRef

if TYPE_CHECKING:
    from otp_bench.apex.classes import ClassInfo


class Long(int):
    """An Apex Long: an int that remembers it is 64-bit."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}L"


class Blob:
    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Blob) and other.data == self.data

    def __hash__(self) -> int:
        return hash(self.data)


class ApexList(list[Any]):
    """``List<T>``: a Python list with its element type."""

    __slots__ = ("elem",)

    def __init__(self, elem: TypeRef = OBJECT, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.elem = elem


class ApexSet:
    """``Set<T>``: insertion-ordered, String elements case-sensitive."""

    __slots__ = ("elem", "items")

    def __init__(self, elem: TypeRef = OBJECT, items: Iterable[Any] = ()) -> None:
        self.elem = elem
        self.items: dict[Any, None] = {}
        for item in items:
            self.items[hashable(item)] = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class ApexMap(dict[Any, Any]):
    """``Map<K,V>``: insertion-ordered, String keys case-sensitive."""

    __slots__ = ("key", "value")

    def __init__(self, key: TypeRef = OBJECT, value: TypeRef = OBJECT) -> None:
        super().__init__()
        self.key = key
        self.value = value


class ApexObject:
    """An instance of a user class (or a built-in exception): fields in declaration order."""

    __slots__ = ("cls", "exc", "fields")

    def __init__(self, cls: ClassInfo) -> None:
        self.cls = cls
        self.fields: dict[str, Any] = {}
        self.exc: ExcState | None = None


class ExcState:
    """What every exception carries besides its own fields."""

    __slots__ = ("cause", "line", "message", "stack")

    def __init__(self, message: str | None = None, cause: ApexObject | None = None) -> None:
        self.message = message
        self.cause = cause
        self.line = 0
        self.stack = ""


class EnumValue:
    __slots__ = ("name", "ordinal", "owner")

    def __init__(self, owner: str, name: str, ordinal: int) -> None:
        self.owner = owner  # the enum type as written: Auth.CustomOneTimePasswordDeliveryResult
        self.name = name
        self.ordinal = ordinal

    def __repr__(self) -> str:
        return self.name


class SObject:
    """A record: fields looked up case-insensitively, printed as written."""

    __slots__ = ("all_fields", "fields", "type")

    def __init__(self, type_name: str, fields: dict[str, Any], *, all_fields: bool = False) -> None:
        self.type = type_name
        self.fields = {k.lower(): (k, v) for k, v in fields.items()}
        # custom metadata/settings: every field is readable, null when unset
        self.all_fields = all_fields

    def get(self, name: str) -> Any:
        entry = self.fields.get(name.lower())
        return entry[1] if entry else None

    def has(self, name: str) -> bool:
        return name.lower() in self.fields


class TypeValue:
    """``Foo.class``: a System.Type."""

    __slots__ = ("ctx", "type")

    def __init__(self, type_ref: TypeRef, ctx: ClassInfo | None = None) -> None:
        self.type = type_ref
        self.ctx = ctx  # the class it was written in: names resolve from there


def hashable(value: Any) -> Any:
    """A key for sets and maps: Apex objects are keyed by identity, records by content."""
    if isinstance(value, ApexList):
        return tuple(value)
    return value


def is_integer(value: Any) -> bool:
    return type(value) is int


def is_number(value: Any) -> bool:
    import decimal

    return (type(value) in (int, float, Long)) or isinstance(value, decimal.Decimal)
