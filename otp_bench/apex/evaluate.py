"""Expression evaluation, part one: frames, names, fields and properties, static references.
(Calls are in ``calls.py``, operators and creation in ``operators.py``.)

Names resolve as Apex does, ignoring case: locals, then fields of ``this`` and statics of the
class and its outer classes, then classes (user classes first, then system classes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otp_bench.apex import lib
from otp_bench.apex import syntax as s
from otp_bench.apex.classes import ClassInfo
from otp_bench.apex.conversions import assign
from otp_bench.apex.env import ApexEnvironment
from otp_bench.apex.errors import ApexThrow, Unsupported, npe, throw
from otp_bench.apex.limits import Limits
from otp_bench.apex.program import ApexProgram
from otp_bench.apex.values import (
    ApexObject,
    ApexSet,
    EnumValue,
    SObject,
)


def estimate(root: Any, budget: int = 200_000) -> int:
    """Bytes of a value graph, roughly as Apex counts heap (Strings 2 bytes a character)."""
    total = 0
    seen: set[int] = set()
    stack = [root]
    while stack and budget > 0:
        budget -= 1
        value = stack.pop()
        if value is None or isinstance(value, bool | int | float):
            total += 8
            continue
        if isinstance(value, str):
            total += 2 * len(value) + 24
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            total += 48
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            total += 32
            stack.extend(value)
        elif isinstance(value, ApexSet):
            total += 48
            stack.extend(value.items)
        elif isinstance(value, ApexObject):
            total += 32
            stack.extend(value.fields.values())
        elif isinstance(value, SObject):
            total += 48
            stack.extend(v for _k, v in value.fields.values())
        else:
            data = getattr(value, "data", None)
            total += len(data) if isinstance(data, bytes) else 32
    return total


class Frame:
    __slots__ = ("accessor", "cls", "method", "this", "types", "vars")

    def __init__(self, cls: ClassInfo, this: ApexObject | None,
                 method: s.MethodDecl | None) -> None:
        self.cls = cls
        self.this = this
        self.method = method
        self.vars: dict[str, Any] = {}
        self.types: dict[str, s.TypeRef] = {}
        self.accessor: str | None = None  # inside a property accessor: its name is the raw field


class StaticRef:
    """A class named in an expression (``JSON`` in ``JSON.serialize``), not a value."""

    __slots__ = ("cls", "system")

    def __init__(self, cls: ClassInfo | None, system: str | None) -> None:
        self.cls = cls
        self.system = system


class EvaluatorBase:
    def __init__(self, program: ApexProgram, env: ApexEnvironment, limits: Limits) -> None:
        lib.load()
        self.program = program
        self.env = env
        self.limits = limits
        self.statics: dict[ClassInfo, dict[str, Any]] = {}
        self.enum_values: dict[tuple[str, str], EnumValue] = {}
        self.line = 0
        self.try_depth = 0
        self.frames: list[tuple[ClassInfo, s.MethodDecl | None]] = []
        self.live: list[Frame] = []  # the frames of running methods, for the heap estimate
        limits.heap_probe = self.heap_size
        self.call_lines: list[int] = []
        self.caller_lines: list[int] = []  # per running method: the line it was called from
        self.last_return_line = 0
        self.debug_lines: list[tuple[int, str, str]] = []
        self.warnings: list[str] = []
        self.mock: ApexObject | None = None
        self.extra: dict[str, Any] = {}  # per-transaction state of library modules

        self._exprs: dict[type, Callable[[Any, Frame], Any]] = {}

    # hooks the interpreter provides
    def run(self, node: s.Node, frame: Frame) -> Any:
        raise NotImplementedError

    def invoke(self, method: s.MethodDecl, this: ApexObject | None, args: list[Any],
               *, skip: int = 0) -> Any:
        raise NotImplementedError

    def construct(self, cls: ClassInfo, args: list[Any], line: int) -> ApexObject:
        raise NotImplementedError

    def ensure_static(self, cls: ClassInfo) -> dict[str, Any]:
        raise NotImplementedError

    def call_method(self, target: Any, name: str, args: list[Any], frame: Frame | None) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def ev(self, node: s.Node, frame: Frame) -> Any:
        return self._exprs[type(node)](node, frame)

    def npe(self) -> ApexThrow:
        return npe()

    def truth(self, value: Any) -> bool:
        if value is None:
            raise npe()
        if type(value) is not bool:
            raise Unsupported("a condition that is not a Boolean")
        return value

    def resolver(self, frame: Frame | None) -> Callable[[s.TypeRef], ClassInfo | None]:
        ctx = frame.cls if frame is not None else None
        return lambda t: self.program.resolve(t.parts, ctx)

    def enum_value(self, owner: str, name: str, ordinal: int) -> EnumValue:
        key = (owner.lower(), name.upper())
        value = self.enum_values.get(key)
        if value is None:
            value = self.enum_values[key] = EnumValue(owner, name.upper(), ordinal)
        return value

    def debug(self, level: str, text: str) -> None:
        self.debug_lines.append((self.line, level, text))

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def heap_size(self) -> int:
        """What the transaction holds: statics and every running method's variables."""
        roots: list[Any] = [store for store in self.statics.values()]
        for frame in self.live:
            roots.append(frame.vars)
            if frame.this is not None:
                roots.append(frame.this)
        return estimate(roots)

    # ------------------------------------------------------------------ names
    def _find_static(self, cls: ClassInfo, key: str) -> tuple[ClassInfo, s.FieldDecl] | None:
        c: ClassInfo | None = cls
        while c is not None:
            found = c.find_field(key)
            if found is not None and found[1].static:
                return found
            c = c.outer
        return None

    def static_ref(self, node: s.Node, frame: Frame) -> StaticRef | None:
        """What a Name/FieldGet chain names when it isn't a value: a user or system class."""
        parts: list[str] = []
        cur: s.Node = node
        while isinstance(cur, s.FieldGet) and not cur.safe:
            parts.append(cur.name)
            cur = cur.obj
        if not isinstance(cur, s.Name):
            return None
        if self._is_value_name(cur.key, frame):
            return None
        cache_key = (id(node), id(frame.cls))
        cache = self.program.static_refs
        if cache_key in cache:
            hit: StaticRef | None = cache[cache_key]
            return hit
        parts.append(cur.name)
        parts.reverse()
        ref: StaticRef | None = None
        cls = self.program.resolve(tuple(parts), frame.cls)
        key = lib.class_key(parts)
        if cls is not None:
            ref = StaticRef(cls, None)
        elif lib.is_system_class(key) or (len(parts) == 1 and (
                key in lib.NAMESPACES or key.endswith(("__mdt", "__c")))):
            ref = StaticRef(None, key)
        cache[cache_key] = ref  # names of types don't change: the program is immutable
        return ref

    def _is_value_name(self, key: str, frame: Frame) -> bool:
        if key in frame.vars:
            return True
        if frame.this is not None and frame.this.cls.find_field(key) is not None:
            return True
        return self._find_static(frame.cls, key) is not None

    def ev_name(self, node: s.Name, frame: Frame) -> Any:
        key = node.key
        if key in frame.vars:
            return frame.vars[key]
        this = frame.this
        if this is not None:
            found = this.cls.find_field(key)
            if found is not None and not found[1].static:
                return self.get_field(this, found[1], frame)
        found = self._find_static(frame.cls, key)
        if found is not None:
            return self.get_static(found[0], found[1], frame)
        ref = self.static_ref(node, frame)
        if ref is not None:
            return ref
        raise Unsupported(f"Variable does not exist: {node.name}")

    def get_field(self, obj: ApexObject, f: s.FieldDecl, frame: Frame | None) -> Any:
        if f.getter is not None and f.getter.body is not None and not (
                frame is not None and frame.accessor == f.key and frame.this is obj):
            return self._accessor(obj, f, f.getter.body, None)
        return obj.fields.get(f.key)

    def set_field(self, obj: ApexObject, f: s.FieldDecl, value: Any, frame: Frame) -> None:
        value = assign(value, f.type, self.resolver(frame))
        if f.setter is not None and f.setter.body is not None and not (
                frame.accessor == f.key and frame.this is obj):
            self._accessor(obj, f, f.setter.body, value)
            return
        obj.fields[f.key] = value

    def get_static(self, cls: ClassInfo, f: s.FieldDecl, frame: Frame) -> Any:
        store = self.ensure_static(cls)
        if f.getter is not None and f.getter.body is not None and frame.accessor != f.key:
            return self._accessor(None, f, f.getter.body, None, cls)
        return store.get(f.key)

    def _accessor(self, obj: ApexObject | None, f: s.FieldDecl, body: s.Block, value: Any,
                  cls: ClassInfo | None = None) -> Any:
        owner = cls or (obj.cls.find_field(f.key)[0] if obj is not None else None)  # type: ignore[index]
        assert owner is not None
        frame = Frame(owner, obj, None)
        frame.accessor = f.key
        if value is not None or f.setter is not None:
            frame.vars["value"] = value
        self.limits.enter()
        try:
            sig = self.run(body, frame)
        finally:
            self.limits.leave()
        return getattr(sig, "value", None)

    def ev_this(self, node: s.This, frame: Frame) -> Any:
        if frame.this is None:
            raise Unsupported("this in a static context")
        return frame.this

    # ------------------------------------------------------------------ fields
    def ev_field(self, node: s.FieldGet, frame: Frame) -> Any:
        ref = self.static_ref(node.obj, frame) if isinstance(node.obj, s.Name | s.FieldGet) \
            else None
        if ref is not None:
            return self.static_member(ref, node, frame)
        target = self.ev(node.obj, frame)
        if isinstance(target, StaticRef):
            return self.static_member(target, node, frame)
        if target is None:
            if node.safe:
                return None
            raise npe()
        return self.member(target, node.name, frame)

    def member(self, target: Any, name: str, frame: Frame) -> Any:
        key = name.lower()
        if isinstance(target, ApexObject):
            found = target.cls.find_field(key)
            if found is None:
                raise Unsupported(f"Variable does not exist: {name}")
            if found[1].static:
                return self.get_static(found[0], found[1], frame)
            return self.get_field(target, found[1], frame)
        if hasattr(target, "single"):
            target = target.single()  # [SELECT Name FROM Network WHERE …].Name
        if isinstance(target, SObject):
            if not target.has(key) and key != "id" and not target.all_fields:
                raise throw("SObjectException", "SObject row was retrieved via SOQL without "
                            f"querying the requested field: {target.type}.{name}")
            return target.get(key)
        getter = getattr(target, "apex_field", None)
        if getter is not None:
            return getter(key)
        raise Unsupported(f"field {name} of {type(target).__name__}")

    def static_member(self, ref: StaticRef, node: s.FieldGet, frame: Frame) -> Any:
        key = node.key
        if ref.cls is not None:
            cls = ref.cls
            if cls.kind == "enum" and cls.decl is not None:
                for i, c in enumerate(cls.decl.constants):
                    if c.lower() == key:
                        return self.enum_value(cls.qualified, c, i)
            found = cls.find_field(key)
            if found is not None and found[1].static:
                return self.get_static(found[0], found[1], frame)
            inner = cls.inner.get(key)
            if inner is not None:
                return StaticRef(inner, None)
            raise Unsupported(f"Variable does not exist: {cls.qualified}.{node.name}")
        system = ref.system or ""
        if system in lib.ENUMS:
            qualified, constants = lib.ENUMS[system]
            for i, c in enumerate(constants):
                if c.lower() == key:
                    return self.enum_value(qualified, c, i)
            raise Unsupported(f"Variable does not exist: {qualified}.{node.name}")
        fn = lib.STATIC.get(system, {}).get("$" + key, {}).get(0)
        if fn is not None:
            return fn(self)
        nested = f"{system}.{key}"
        if lib.is_system_class(nested) or nested in lib.ENUMS:
            return StaticRef(None, nested)
        raise Unsupported(f"{system}.{node.name}")
