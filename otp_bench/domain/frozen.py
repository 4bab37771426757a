"""Frozen dataclass records made, or copied with some fields changed, by filling their dict.

``dataclasses.replace`` reads every field, builds the keyword arguments and runs the generated
``__init__``, which sets each field through ``object.__setattr__`` (the price of ``frozen``):
about 400 bytecodes for a 14-field ``FlowRecord``, and a flow copied its record twice, a
twentieth of the engine's Python per flow. ``evolve`` gives the same object for the records that
allow it: plain frozen dataclasses whose fields are all ``__init__`` arguments, with no
``__post_init__``, no ``__slots__`` and no cached property (checked once per class; any other
goes to ``dataclasses.replace``). A name that isn't a field is refused as ``replace`` does.
``make`` is the same for a new record (a step's eight events): the class's defaults and the
values given, a missing or unknown name refused as the ``__init__`` refuses it (by calling it).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar

T = TypeVar("T")

# per class: its field names when a dict copy is exactly what ``replace`` makes, else None
_PLAIN: dict[type, frozenset[str] | None] = {}
# per class: (field names, names without a default, defaults) when ``make`` may fill its dict
_MAKE: dict[type, tuple[frozenset[str], frozenset[str], dict[str, Any]] | None] = {}


def _plain_fields(cls: type) -> frozenset[str] | None:
    fields = dataclasses.fields(cls)
    plain = (
        not hasattr(cls, "__post_init__")
        and not any("__slots__" in vars(k) for k in cls.__mro__)
        and all(f.init for f in fields)
        # a cached value in the instance's dict would be copied with the fields, stale
        and not any(isinstance(v, functools.cached_property)
                    for k in cls.__mro__ for v in vars(k).values())
    )
    return frozenset(f.name for f in fields) if plain else None


def evolve(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)``, without running ``__init__`` where that is the
    same object."""
    cls = type(obj)
    try:
        names = _PLAIN[cls]
    except KeyError:
        names = _PLAIN[cls] = _plain_fields(cls)
    if names is None or not changes.keys() <= names:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]  # its own errors
    new: Any = object.__new__(cls)
    attrs = new.__dict__
    attrs.update(obj.__dict__)
    attrs.update(changes)
    return new  # type: ignore[no-any-return]


def _make_spec(cls: type) -> tuple[frozenset[str], frozenset[str], dict[str, Any]] | None:
    names = _plain_fields(cls)
    fields = dataclasses.fields(cls)
    if names is None or any(f.default_factory is not dataclasses.MISSING for f in fields):
        return None
    required = frozenset(f.name for f in fields if f.default is dataclasses.MISSING)
    return names, required, {f.name: f.default for f in fields
                             if f.default is not dataclasses.MISSING}


def make(cls: type[T], /, **values: Any) -> T:
    """``cls(**values)``, without running ``__init__`` where that is the same object (see the
    module's docstring; a class with a default factory is made by its ``__init__``)."""
    try:
        spec = _MAKE[cls]
    except KeyError:
        spec = _MAKE[cls] = _make_spec(cls)
    if spec is None or not (values.keys() <= spec[0] and values.keys() >= spec[1]):
        return cls(**values)  # its own errors for a missing or unknown name
    new: Any = object.__new__(cls)
    attrs = new.__dict__
    attrs.update(spec[2])
    attrs.update(values)
    return new  # type: ignore[no-any-return]
