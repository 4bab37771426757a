"""The Apex interpreter: statements, method invocation, construction, per-transaction statics.

One ``Interpreter`` is one transaction: static fields start fresh (as each
``sendOneTimePassword`` call is its own transaction), limits count from zero, and the debug log
starts empty. Expressions live in ``evaluate.py``, ``calls.py`` and ``operators.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.calls import Calls
from otp_bench.apex.classes import ClassInfo
from otp_bench.apex.conversions import assign
from otp_bench.apex.env import ApexEnvironment
from otp_bench.apex.errors import ApexThrow, InternalFault, Unsupported
from otp_bench.apex.evaluate import Frame
from otp_bench.apex.limits import Limits
from otp_bench.apex.operators import Operators
from otp_bench.apex.program import ApexProgram
from otp_bench.apex.soql import run_soql
from otp_bench.apex.values import ApexList, ApexMap, ApexObject, ApexSet, ExcState, TypeValue

BREAK = object()
CONTINUE = object()


class ReturnSignal:
    __slots__ = ("line", "value")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


class Interpreter(Calls, Operators):
    def __init__(self, program: ApexProgram, env: ApexEnvironment) -> None:
        super().__init__(program, env, Limits(env.cpu_limit_ms, env.statement_limit))
        self._stmts: dict[type, Callable[[Any, Frame], Any]] = {
            s.Block: self.st_block, s.LocalVar: self.st_local, s.ExprStmt: self.st_expr,
            s.If: self.st_if, s.While: self.st_while, s.For: self.st_for,
            s.ForEach: self.st_foreach, s.Return: self.st_return, s.Break: self.st_break,
            s.Continue: self.st_continue, s.Throw: self.st_throw, s.Try: self.st_try,
            s.Switch: self.st_switch, s.CtorCall: self.st_ctor_call,
        }
        self._exprs.update({  # type: ignore[dict-item]
            s.Lit: lambda n, f: n.value, s.Name: self.ev_name, s.FieldGet: self.ev_field,
            s.Call: self.ev_call, s.Index: self.ev_index, s.New: self.ev_new,
            s.NewList: self.ev_new_list, s.NewMap: self.ev_new_map, s.Unary: self.ev_unary,
            s.Update: self.ev_update, s.Binary: self.ev_binary, s.Assign: self.ev_assign,
            s.Ternary: self.ev_ternary, s.InstanceOf: self.ev_instanceof, s.Cast: self.ev_cast,
            s.ClassLit: lambda n, f: TypeValue(n.type, f.cls),
            s.This: self.ev_this,
            s.Soql: lambda n, f: run_soql(self, n, f),
        })

    # ------------------------------------------------------------------ statements
    def run(self, node: s.Node, frame: Frame) -> Any:
        limits = self.limits
        limits.statements += 1  # Limits.tick, inlined: this runs for every statement
        if not limits.statements & 1023:
            limits.check()
        self.line = node.line
        try:
            return self._stmts[type(node)](node, frame)
        except ApexThrow as thrown:
            exc = thrown.obj.exc
            if exc is not None and exc.line == 0:
                exc.line = node.line
                exc.stack = self.stack_trace(node.line)
            raise
        except Unsupported as exc:
            if exc.at is None:
                exc.at = f"{self.current_file()}:{node.line}:{node.col}"
            raise
        except (InternalFault, RecursionError, MemoryError):
            raise
        except Exception as exc:  # a bug of the interpreter: named where it happened
            raise InternalFault(self.where(node.line), exc) from exc

    def current_file(self) -> str:
        if self.frames and self.frames[-1][0].decl is not None:
            return self.frames[-1][0].decl.file  # type: ignore[union-attr]
        return "?"

    def where(self, line: int) -> str:
        if not self.frames:
            return f"line {line}"
        cls, method = self.frames[-1]
        name = f"{cls.qualified}.{method.name}" if method else cls.qualified
        return f"{name} at {self.current_file()}:{line}"

    def st_block(self, node: s.Block, frame: Frame) -> Any:
        for stmt in node.body:
            sig = self.run(stmt, frame)
            if sig is not None:
                return sig
        return None

    def st_local(self, node: s.LocalVar, frame: Frame) -> Any:
        for name, init in node.decls:
            value = self.ev(init, frame) if init is not None else None
            frame.types[name] = node.type
            frame.vars[name] = assign(value, node.type, self.resolver(frame)) if value is not None \
                else None
        return None

    def st_expr(self, node: s.ExprStmt, frame: Frame) -> Any:
        self.ev(node.expr, frame)
        return None

    def st_if(self, node: s.If, frame: Frame) -> Any:
        if self.truth(self.ev(node.cond, frame)):
            return self.run(node.then, frame)
        if node.other is not None:
            return self.run(node.other, frame)
        return None

    def _loop_body(self, body: s.Node, frame: Frame) -> Any:
        """None: go on; BREAK: leave the loop; anything else: return it."""
        sig = self.run(body, frame)
        if sig is None or sig is CONTINUE:
            return None
        return sig

    def st_while(self, node: s.While, frame: Frame) -> Any:
        if node.do:
            sig = self._loop_body(node.body, frame)
            if sig is not None:
                return None if sig is BREAK else sig
        while self.truth(self.ev(node.cond, frame)):
            self.limits.tick()
            sig = self._loop_body(node.body, frame)
            if sig is not None:
                return None if sig is BREAK else sig
        return None

    def st_for(self, node: s.For, frame: Frame) -> Any:
        for init in node.init:
            self.run(init, frame)
        while node.cond is None or self.truth(self.ev(node.cond, frame)):
            self.limits.tick()
            sig = self._loop_body(node.body, frame)
            if sig is not None:
                return None if sig is BREAK else sig
            for upd in node.update:
                self.run(upd, frame)
        return None

    def st_foreach(self, node: s.ForEach, frame: Frame) -> Any:
        iterable = self.ev(node.iterable, frame)
        if iterable is None:
            raise self.npe()
        if isinstance(iterable, ApexList):
            items: list[Any] = list(iterable)
        elif isinstance(iterable, ApexSet):
            items = list(iterable.items)
        else:
            raise Unsupported(f"for loop over {type(iterable).__name__}")
        frame.types[node.name] = node.type
        resolve = self.resolver(frame)
        for item in items:
            frame.vars[node.name] = assign(item, node.type, resolve)
            sig = self._loop_body(node.body, frame)
            if sig is not None:
                return None if sig is BREAK else sig
        return None

    def st_return(self, node: s.Return, frame: Frame) -> Any:
        value = self.ev(node.value, frame) if node.value is not None else None
        return ReturnSignal(value, node.line)

    def st_break(self, node: s.Break, frame: Frame) -> Any:
        return BREAK

    def st_continue(self, node: s.Continue, frame: Frame) -> Any:
        return CONTINUE

    def st_throw(self, node: s.Throw, frame: Frame) -> Any:
        value = self.ev(node.value, frame)
        if value is None:
            raise self.npe()
        if not isinstance(value, ApexObject) or value.exc is None:
            raise Unsupported("throw of a value that is not an exception")
        if value.exc.line == 0:
            value.exc.line = node.line
            value.exc.stack = self.stack_trace(node.line)
        raise ApexThrow(value)

    def st_try(self, node: s.Try, frame: Frame) -> Any:
        pending: BaseException | None = None
        result: Any = None
        try:
            self.try_depth += 1
            try:
                result = self.run(node.body, frame)
            finally:
                self.try_depth -= 1
        except ApexThrow as thrown:
            handler = None if thrown.uncatchable else self._handler(node, thrown.obj, frame)
            if handler is None:
                pending = thrown
            else:
                frame.vars[handler.name] = thrown.obj
                frame.types[handler.name] = handler.type
                try:
                    result = self.run(handler.body, frame)
                except ApexThrow as again:
                    pending = again
        if node.final is not None and not (isinstance(pending, ApexThrow) and pending.uncatchable):
            sig = self.run(node.final, frame)
            if sig is not None:
                return sig  # a return/break in finally wins, as in Java
        if pending is not None:
            raise pending
        return result

    def _handler(self, node: s.Try, obj: ApexObject, frame: Frame) -> s.Catch | None:
        for catch in node.catches:
            cls = self.program.resolve(catch.type.parts, frame.cls)
            if cls is None:
                raise Unsupported(f"catch of unknown type {catch.type}")
            if obj.cls.is_subclass_of(cls):
                return catch
        return None

    def st_switch(self, node: s.Switch, frame: Frame) -> Any:
        subject = self.ev(node.subject, frame)
        for when in node.whens:
            if when.values is None or self.when_matches(subject, when.values, frame):
                return self.run(when.body, frame)
        return None

    def st_ctor_call(self, node: s.CtorCall, frame: Frame) -> Any:
        raise Unsupported(f"{node.kind}(...) outside a constructor's first statement")

    # ------------------------------------------------------------------ calls and objects
    def invoke(self, method: s.MethodDecl, this: ApexObject | None, args: list[Any],
               *, skip: int = 0) -> Any:
        """Run a user method (or constructor body from statement ``skip``); its return value."""
        owner = self.program.by_decl[id(method.owner)]
        frame = Frame(owner, this, method)
        resolve = self.resolver(frame)
        for param, arg in zip(method.params, args, strict=True):
            frame.vars[param.name] = assign(arg, param.type, resolve)
            frame.types[param.name] = param.type
        if method.body is None:
            raise Unsupported(f"call of abstract method {method.name}")
        self.limits.enter()
        self.caller_lines.append(self.line)
        self.frames.append((owner, method))
        self.live.append(frame)
        try:
            body = method.body.body[skip:] if skip else method.body.body
            for stmt in body:
                sig = self.run(stmt, frame)
                if isinstance(sig, ReturnSignal):
                    self.last_return_line = sig.line
                    if method.returns is None:
                        return None
                    return assign(sig.value, method.returns, resolve)
                if sig is not None:
                    raise Unsupported("break or continue outside a loop")
        finally:
            self.limits.leave()
            self.frames.pop()
            self.live.pop()
            self.caller_lines.pop()
        return None

    def construct(self, cls: ClassInfo, args: list[Any], line: int) -> ApexObject:
        if cls.decl is None or cls.kind != "class":
            raise Unsupported(f"new {cls.qualified}")
        if cls.decl.abstract:
            raise Unsupported(f"new of abstract class {cls.qualified}")
        obj = ApexObject(cls)
        if cls.is_exception:
            obj.exc = ExcState()
            obj.exc.line = line
            obj.exc.stack = self.stack_trace(line)
        self._init(cls, obj, args)
        return obj

    def _init(self, cls: ClassInfo, obj: ApexObject, args: list[Any]) -> None:
        decl = cls.decl
        if decl is None:  # Exception itself: the built-in constructors
            self._builtin_exception_ctor(obj, args)
            return
        self.ensure_static(cls)
        ctor = self.pick_overload(decl.ctors, args, cls) if decl.ctors else None
        if ctor is None:
            if decl.ctors and not (cls.is_exception and len(args) <= 2):
                raise Unsupported(f"no constructor {cls.qualified}({len(args)} arguments)")
            if args and not cls.is_exception:
                raise Unsupported(f"no constructor {cls.qualified}({len(args)} arguments)")
            if cls.superclass is not None:
                self._init(cls.superclass, obj, args if cls.is_exception else [])
            self._init_fields(cls, obj)
            return
        body = ctor.body.body if ctor.body else []
        first = body[0] if body else None
        frame = Frame(cls, obj, ctor)
        resolve = self.resolver(frame)
        for param, arg in zip(ctor.params, args, strict=True):
            frame.vars[param.name] = assign(arg, param.type, resolve)
        skip = 0
        if isinstance(first, s.CtorCall):
            skip = 1
            call_args = [self.ev(a, frame) for a in first.args]
            if first.kind == "this":
                self._init(cls, obj, call_args)
                self.invoke(ctor, obj, args, skip=1)
                return
            if cls.superclass is not None:
                self._init(cls.superclass, obj, call_args)
        elif cls.superclass is not None:
            self._init(cls.superclass, obj, [])
        self._init_fields(cls, obj)
        self.invoke(ctor, obj, args, skip=skip)

    def _init_fields(self, cls: ClassInfo, obj: ApexObject) -> None:
        frame = Frame(cls, obj, None)
        resolve = self.resolver(frame)
        for f in cls.instance_fields:
            value = self.ev(f.init, frame) if f.init is not None else None
            obj.fields[f.key] = assign(value, f.type, resolve)
        assert cls.decl is not None
        for block in cls.decl.instance_init:
            self.run(block, frame)

    def _builtin_exception_ctor(self, obj: ApexObject, args: list[Any]) -> None:
        exc = obj.exc
        assert exc is not None
        for arg in args:
            if isinstance(arg, ApexObject) and arg.exc is not None:
                exc.cause = arg
                if len(args) == 1:
                    exc.message = f"{arg.cls.qualified}: {arg.exc.message}"
            elif isinstance(arg, str) or arg is None:
                exc.message = arg
            else:
                raise Unsupported("exception constructor argument")

    def ensure_static(self, cls: ClassInfo) -> dict[str, Any]:
        """The class's static fields in this transaction, initialised on first use."""
        store = self.statics.get(cls)
        if store is not None:
            return store
        store = {}
        self.statics[cls] = store
        if cls.outer is not None:
            self.ensure_static(cls.outer)
        if cls.superclass is not None and cls.superclass.decl is not None:
            self.ensure_static(cls.superclass)
        frame = Frame(cls, None, None)
        resolve = self.resolver(frame)
        for f in cls.static_fields:
            value = self.ev(f.init, frame) if f.init is not None else None
            store[f.key] = assign(value, f.type, resolve)
        if cls.decl is not None:
            for block in cls.decl.static_init:
                self.run(block, frame)
        return store

    def stack_trace(self, line: int) -> str:
        """Apex's getStackTraceString(): innermost first, each frame at its current line."""
        out = []
        cur = line
        for (cls, method), caller_line in zip(reversed(self.frames), reversed(self.caller_lines),
                                              strict=True):
            name = method.name if method is not None else "<init>"
            out.append(f"Class.{cls.qualified}.{name}: line {cur}, column 1")
            cur = caller_line
        return "\n".join(out)

    def new_map(self, key: s.TypeRef, value: s.TypeRef) -> ApexMap:
        return ApexMap(key, value)
