"""Salesforce's system classes, as far as handlers use them: a registry filled by the modules here.

Each implementation is registered under its Apex class and method name (lower-cased) and arity,
so the whole-file check can tell "JSON.serialize(x)" (known) from "JSON.frobnicate(x)" (refused
before anything runs). Signatures follow apex-dev-tools/standard-types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Fn = Callable[..., Any]
VARARGS = -1

STATIC: dict[str, dict[str, dict[int, Fn]]] = {}  # class -> method -> arity -> fn(rt, *args)
# python type -> method -> arity -> fn(rt, self, *args)
INSTANCE: dict[type, dict[str, dict[int, Fn]]] = {}
CTORS: dict[str, dict[int, Fn]] = {}  # class -> arity -> fn(rt, *args)
ENUMS: dict[str, tuple[str, tuple[str, ...]]] = {}  # key -> (qualified name, constants)
TYPES: dict[str, type] = {}  # Apex type key -> python type of its values (for the check)
NAMESPACES = {"system", "auth"}


def _key(name: str) -> str:
    key = name.lower()
    return key[len("system."):] if key.startswith("system.") else key


def static(cls: str, name: str, *arities: int) -> Callable[[Fn], Fn]:
    def register(fn: Fn) -> Fn:
        for a in arities:
            STATIC.setdefault(_key(cls), {}).setdefault(name.lower(), {})[a] = fn
        return fn
    return register


def method(pytype: type, name: str, *arities: int) -> Callable[[Fn], Fn]:
    def register(fn: Fn) -> Fn:
        for a in arities:
            INSTANCE.setdefault(pytype, {}).setdefault(name.lower(), {})[a] = fn
        return fn
    return register


def ctor(cls: str, *arities: int) -> Callable[[Fn], Fn]:
    def register(fn: Fn) -> Fn:
        for a in arities:
            CTORS.setdefault(_key(cls), {})[a] = fn
        return fn
    return register


def enum(qualified: str, constants: tuple[str, ...]) -> None:
    ENUMS[_key(qualified)] = (qualified, constants)
    ENUMS[qualified.lower().rsplit(".", 1)[-1]] = (qualified, constants)


def apex_type(name: str, pytype: type) -> None:
    TYPES[_key(name)] = pytype


def pick(table: dict[int, Fn], nargs: int) -> Fn | None:
    return table.get(nargs) or table.get(VARARGS)


def class_key(parts: tuple[str, ...] | list[str]) -> str:
    return _key(".".join(parts))


_loaded = False


def load() -> None:
    """Import every library module once, filling the registry."""
    global _loaded
    if _loaded:
        return
    from otp_bench.apex.lib import (  # noqa: F401
        collections,
        datetime_lib,
        encoding,
        exceptions,
        http,
        json_generator,
        json_lib,
        json_parser,
        metadata,
        numbers,
        pattern,
        strings,
        system,
    )

    _loaded = True


def is_system_class(key: str) -> bool:
    load()
    return key in STATIC or key in CTORS or key in ENUMS or key in TYPES
