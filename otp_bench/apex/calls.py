"""Expression evaluation, part two: method calls (overloads, virtual dispatch, statics, the system
library) and ``new``."""

from __future__ import annotations

from typing import Any

from otp_bench.apex import lib
from otp_bench.apex import syntax as s
from otp_bench.apex.classes import BUILTIN_EXCEPTIONS, ClassInfo
from otp_bench.apex.conversions import instance_of, widen
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.evaluate import EvaluatorBase, Frame, StaticRef
from otp_bench.apex.ops import type_name
from otp_bench.apex.values import ApexList, ApexObject, ExcState


class Calls(EvaluatorBase):
    def ev_call(self, node: s.Call, frame: Frame) -> Any:
        obj = node.obj
        if obj is None:
            return self._call_unqualified(node, frame)
        if isinstance(obj, s.Super):
            return self._call_super(node, frame)
        target: Any = None
        ref = self.static_ref(obj, frame) if isinstance(obj, s.Name | s.FieldGet) else None
        if ref is None:
            target = self.ev(obj, frame)
            if isinstance(target, StaticRef):
                ref = target
        if ref is not None:
            args = [self.ev(a, frame) for a in node.args]
            return self._with_line(node.line, self.call_static, ref, node.name, args)
        if target is None:
            if node.safe:
                return None
            raise npe()
        args = [self.ev(a, frame) for a in node.args]
        return self._with_line(node.line, self.call_method, target, node.name, args, frame)

    def _with_line(self, line: int, fn: Any, *args: Any) -> Any:
        self.line = line
        self.call_lines.append(line)
        try:
            return fn(*args)
        finally:
            self.call_lines.pop()

    def pick_overload(self, methods: list[s.MethodDecl], args: list[Any],
                      cls: ClassInfo) -> s.MethodDecl | None:
        """By arity, then by the runtime types of the arguments (there is no static typing)."""
        same = [m for m in methods if len(m.params) == len(args)]
        if not same:
            return None

        def resolve(t: s.TypeRef) -> ClassInfo | None:
            return self.program.resolve(t.parts, cls)

        fallback = None
        if len(same) == 1 and not cls.is_exception:
            return same[0]  # one candidate: its parameter types convert the arguments
        for m in same:
            exact = all(a is None or instance_of(a, p.type, resolve)
                        for p, a in zip(m.params, args, strict=True))
            if exact:
                return m
            if fallback is None and all(
                    a is None or instance_of(a, p.type, resolve) or widen(a, p.type.key) is not None
                    for p, a in zip(m.params, args, strict=True)):
                fallback = m
        return fallback

    def _call_unqualified(self, node: s.Call, frame: Frame) -> Any:
        args = [self.ev(a, frame) for a in node.args]
        cls: ClassInfo | None = frame.cls
        while cls is not None:
            methods = cls.find_methods(node.key)
            if methods:
                m = self.pick_overload(methods, args, cls)
                if m is None:
                    break
                if m.static:
                    return self._with_line(node.line, self.invoke, m, None, args)
                if frame.this is None:
                    raise Unsupported(f"Non static method cannot be referenced from a static "
                                      f"context: {node.name}")
                virtual = self.pick_overload(frame.this.cls.find_methods(node.key), args,
                                             frame.this.cls) or m
                return self._with_line(node.line, self.invoke, virtual, frame.this, args)
            cls = cls.outer
        raise Unsupported(f"Method does not exist or incorrect signature: {node.name}"
                          f"({len(args)} arguments)")

    def _call_super(self, node: s.Call, frame: Frame) -> Any:
        args = [self.ev(a, frame) for a in node.args]
        sup = frame.cls.superclass
        if frame.this is None or sup is None:
            raise Unsupported("super call without a superclass")
        if sup.decl is None:  # Exception's own methods
            return self._with_line(node.line, self.call_library, frame.this, node.name, args)
        m = self.pick_overload(sup.find_methods(node.key), args, sup)
        if m is None:
            raise Unsupported(f"Method does not exist: super.{node.name}")
        return self._with_line(node.line, self.invoke, m, frame.this, args)

    def call_static(self, ref: StaticRef, name: str, args: list[Any]) -> Any:
        key = name.lower()
        if ref.cls is not None:
            cls = ref.cls
            if cls.kind == "enum" and cls.decl is not None:
                if key == "values" and not args:
                    return ApexList(s.TypeRef((cls.qualified,)), [
                        self.enum_value(cls.qualified, c, i)
                        for i, c in enumerate(cls.decl.constants)])
                if key == "valueof" and len(args) == 1:
                    for i, c in enumerate(cls.decl.constants):
                        if c == args[0]:
                            return self.enum_value(cls.qualified, c, i)
                    return None
            m = self.pick_overload([m for m in cls.find_methods(key) if m.static], args, cls)
            if m is None:
                raise Unsupported(f"Method does not exist or incorrect signature: "
                                  f"{cls.qualified}.{name}({len(args)} arguments)")
            return self.invoke(m, None, args)
        system = ref.system or ""
        if system.endswith(("__mdt", "__c")):
            from otp_bench.apex.lib.metadata import records_call

            return records_call(self, system, key, args)
        table = lib.STATIC.get(system, {}).get(key)
        fn = lib.pick(table, len(args)) if table else None
        if fn is None and system in lib.ENUMS:
            return self._system_enum_static(system, key, args)
        if fn is None:
            raise Unsupported(f"system method {system}.{name} with {len(args)} arguments")
        return fn(self, *args)

    def _system_enum_static(self, system: str, key: str, args: list[Any]) -> Any:
        qualified, constants = lib.ENUMS[system]
        if key == "values" and not args:
            return ApexList(s.TypeRef(tuple(qualified.split("."))),
                            [self.enum_value(qualified, c, i) for i, c in enumerate(constants)])
        if key == "valueof" and len(args) == 1:
            for i, c in enumerate(constants):
                if c == args[0]:
                    return self.enum_value(qualified, c, i)
            return None
        raise Unsupported(f"system method {qualified}.{key}")

    def call_method(self, target: Any, name: str, args: list[Any], frame: Frame | None) -> Any:
        key = name.lower()
        if isinstance(target, ApexObject) and target.cls.decl is not None:
            methods = target.cls.find_methods(key)
            if methods:
                m = self.pick_overload(methods, args, target.cls)
                if m is not None:
                    return self.invoke(m, None if m.static else target, args)
        return self.call_library(target, name, args)

    def call_library(self, target: Any, name: str, args: list[Any]) -> Any:
        key = name.lower()
        methods = lib.INSTANCE.get(type(target))
        if methods is None:
            methods = next((lib.INSTANCE[t] for t in type(target).__mro__ if t in lib.INSTANCE),
                           {})
        table = methods.get(key)
        fn = lib.pick(table, len(args)) if table else None
        if fn is None:
            raise Unsupported(f"method {type_name(target)}.{name} with {len(args)} arguments")
        return fn(self, target, *args)

    def ev_new(self, node: s.New, frame: Frame) -> Any:
        args = [self.ev(a, frame) for a in node.args]
        cls = self.program.resolve(node.type.parts, frame.cls)
        if cls is not None and cls.decl is not None:
            return self._with_line(node.line, self.construct, cls, args, node.line)
        if cls is not None or (len(node.type.parts) == 1 and node.type.key in BUILTIN_EXCEPTIONS):
            builtin = cls or BUILTIN_EXCEPTIONS[node.type.key]
            return self.new_builtin_exception(builtin, args, node.line)
        key = lib.class_key(node.type.parts)
        table = lib.CTORS.get(key)
        fn = lib.pick(table, len(args)) if table else None
        if fn is None:
            raise Unsupported(f"new {node.type}({len(args)} arguments)")
        return fn(self, *args)

    def new_builtin_exception(self, cls: ClassInfo, args: list[Any], line: int) -> ApexObject:
        obj = ApexObject(cls)
        obj.exc = ExcState()
        obj.exc.line = line
        if len(args) > 2:
            raise Unsupported(f"new {cls.name} with {len(args)} arguments")
        for arg in args:
            if isinstance(arg, ApexObject) and arg.exc is not None:
                obj.exc.cause = arg
            elif isinstance(arg, str) or arg is None:
                obj.exc.message = arg
            else:
                raise throw("TypeException", f"Invalid conversion from runtime type "
                            f"{type_name(arg)} to String")
        return obj
