"""The whole-file check that runs before anything executes: every system class, method and type
a file names must be one the bench interprets, else ``unsupported: …`` at its position.

It knows declared types of parameters, locals and fields, so ``req.setEndpoint(...)`` on an
``HttpRequest req`` is checked too; calls on values whose type it can't tell are checked when they
run (and refused there, never guessed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otp_bench.apex import lib
from otp_bench.apex import syntax as s
from otp_bench.apex.check_rules import (
    ASSIGNABLE,
    HANDLER_INTERFACE,
    KNOWN_TYPES,
    RECORD_METHODS,
    VALUE_TYPES,
    infer_literal,
    type_of,
    walk,
)
from otp_bench.apex.classes import BUILTIN_EXCEPTIONS, ClassInfo
from otp_bench.apex.diagnostics import Diagnostic
from otp_bench.apex.lib.returns import RETURNS
from otp_bench.apex.soql import FIELDS

if TYPE_CHECKING:
    from otp_bench.apex.program import ApexProgram


class Checker:
    def __init__(self, program: ApexProgram) -> None:
        lib.load()
        self.program = program
        self.diags: list[Diagnostic] = []

    def report(self, cls: ClassInfo, node: s.Node, message: str) -> None:
        file = cls.decl.file if cls.decl else "?"
        self.diags.append(Diagnostic(file, node.line, node.col, message))

    def type_known(self, t: s.TypeRef, cls: ClassInfo) -> bool:
        if t.key in VALUE_TYPES or t.qualified in KNOWN_TYPES or t.key in KNOWN_TYPES:
            return all(self.type_known(a, cls) for a in t.args)
        if self.program.resolve(t.parts, cls) is not None:
            return True
        key = lib.class_key(t.parts)
        return key in lib.TYPES or key in lib.ENUMS or key.endswith(("__mdt", "__c"))

    def check_class(self, cls: ClassInfo) -> None:
        decl = cls.decl
        assert decl is not None
        field_types = {f.key: f.type for c in cls.lineage() for f in c.instance_fields}
        outer: ClassInfo | None = cls
        while outer is not None:
            for f in outer.static_fields:
                field_types.setdefault(f.key, f.type)
            outer = outer.outer
        for f in decl.fields:
            self.check_type(cls, f.type, s.Lit(f.line, 1, None))
            if f.init is not None:
                self.check_body(cls, f.init, dict(field_types))
            for acc in (f.getter, f.setter):
                if acc is not None and acc.body is not None:
                    self.check_body(cls, acc.body, dict(field_types), accessor=True)
        if decl.kind == "class" and not decl.abstract and cls.implements(HANDLER_INTERFACE) and \
                not any(len(m.params) == 6 and not m.static
                        for m in cls.find_methods("sendonetimepassword")):
            self.report(cls, s.Lit(decl.line, 1, None),
                        f"{cls.qualified} implements Auth.CustomOneTimePasswordDeliveryHandler "
                        "but has no instance method sendOneTimePassword(Id, String, String, "
                        "String, Id, String)")
        methods = [m for ms in decl.methods.values() for m in ms] + decl.ctors
        for m in methods:
            if "testsetup" in m.annotations:
                self.report(cls, s.Lit(m.line, 1, None),
                            f"unsupported: @TestSetup method {m.name} (no records to set up)")
            elif m.is_test and not m.static:
                self.report(cls, s.Lit(m.line, 1, None),
                            f"Test methods must be static: {cls.qualified}.{m.name}")
            scope = dict(field_types)
            for p in m.params:
                scope[p.name] = p.type
                self.check_type(cls, p.type, s.Lit(m.line, 1, None))
            if m.returns is not None:
                self.check_type(cls, m.returns, s.Lit(m.line, 1, None))
            if m.body is not None:
                self.check_body(cls, m.body, scope)
        for block in decl.static_init + decl.instance_init:
            self.check_body(cls, block, dict(field_types))

    def check_type(self, cls: ClassInfo, t: s.TypeRef, at: s.Node) -> None:
        if not self.type_known(t, cls):
            self.report(cls, at, f"unsupported: type {t} (not a class of this source nor a "
                        "system type the bench interprets)")

    def check_body(self, cls: ClassInfo, body: s.Node, scope: dict[str, s.TypeRef],
                   *, accessor: bool = False) -> None:
        nodes = list(walk(body))
        if accessor:
            scope = {**scope, "value": s.OBJECT}
        for n in nodes:  # declarations first: Apex scopes are checked by the compiler, not us
            if isinstance(n, s.LocalVar):
                for name, _init in n.decls:
                    scope[name] = n.type
                self.check_type(cls, n.type, n)
            elif isinstance(n, s.ForEach):
                scope[n.name] = n.type
                self.check_type(cls, n.type, n)
            elif isinstance(n, s.Catch):
                scope[n.name] = n.type
                if not self._is_exception_type(n.type, cls):
                    self.report(cls, n, f"unsupported: catch of {n.type} (not an exception type)")
            elif isinstance(n, s.Cast | s.InstanceOf | s.ClassLit):
                self.check_type(cls, n.type, n)
        skip: set[int] = set()  # enum constants in `when` labels are bare names, not variables
        for n in nodes:
            if isinstance(n, s.When) and n.values:
                skip.update(id(v) for v in n.values if isinstance(v, s.Name))
        for n in nodes:
            if isinstance(n, s.LocalVar):
                for _name, init in n.decls:
                    if init is not None:
                        self.check_assignment(cls, n, n.type, self.infer(cls, init, scope))
            elif isinstance(n, s.Binary) and n.op in ("-", "*", "/"):
                for side in (n.left, n.right):
                    inferred = self.infer(cls, side, scope)
                    if inferred is not None and inferred.key in ("string", "id", "boolean"):
                        self.report(cls, n, "Arithmetic expressions must use numeric arguments "
                                    f"({inferred} {n.op}; Salesforce would not compile this)")
                        break
            elif isinstance(n, s.Assign) and n.op == "=" and isinstance(n.target, s.Name) \
                    and n.target.key in scope:
                self.check_assignment(cls, n, scope[n.target.key],
                                      self.infer(cls, n.value, scope))
        for n in nodes:
            if isinstance(n, s.Name) and id(n) not in skip:
                self.check_name(cls, n, scope)
            elif isinstance(n, s.FieldGet):
                self.check_static_field(cls, n, scope)
            if isinstance(n, s.Call):
                self.check_call(cls, n, scope)
            elif isinstance(n, s.New):
                self.check_new(cls, n)
            elif isinstance(n, s.NewList | s.NewMap):
                self.check_type(cls, n.type, n)

    def check_assignment(self, cls: ClassInfo, at: s.Node, declared: s.TypeRef,
                         value: s.TypeRef | None) -> None:
        """What Salesforce's compiler refuses: ``Integer code = m.get('code');`` (Object)."""
        if value is None or declared.key == "object":
            return
        if value.key == "object":
            self.report(cls, at, f"Illegal assignment from Object to {declared} (a cast is "
                        "needed; Salesforce would not compile this)")
            return
        allowed = ASSIGNABLE.get(declared.key)
        if allowed is not None and value.key in ASSIGNABLE and value.key not in allowed:
            self.report(cls, at, f"Illegal assignment from {value} to {declared} "
                        "(Salesforce would not compile this)")

    def _known_field(self, cls: ClassInfo, key: str) -> bool:
        if cls.find_field(key) is not None:
            return True
        outer = cls.outer
        while outer is not None:
            found = outer.find_field(key)
            if found is not None and found[1].static:
                return True
            outer = outer.outer
        return False

    def check_name(self, cls: ClassInfo, node: s.Name, scope: dict[str, s.TypeRef]) -> None:
        key = node.key
        if key in scope or self._known_field(cls, key):
            return
        if self.program.resolve((node.name,), cls) is not None:
            return
        if lib.is_system_class(key) or key in lib.NAMESPACES or key.endswith(("__mdt", "__c")):
            return
        self.report(cls, node, f"unsupported: {node.name} (no variable here, nor a class or "
                    "system class the bench interprets, has this name)")

    def check_static_field(self, cls: ClassInfo, node: s.FieldGet,
                           scope: dict[str, s.TypeRef]) -> None:
        """``Auth.CustomOneTimePasswordDeliveryResult.SUCESS`` and other system constants."""
        parts = self._head(node.obj)
        if parts is not None and len(parts) == 1 and parts[0].lower() in scope:
            written = scope[parts[0].lower()]
            if written.key in FIELDS and len(written.parts) == 1:
                if node.name.lower() not in {f.lower() for f in FIELDS[written.key]}:
                    self.report(cls, node, f"unsupported: field {written}.{node.name} (not in "
                                "the bench's records)")
                return
            if written.key in VALUE_TYPES or lib.class_key(written.parts) in lib.TYPES:
                self.report(cls, node, f"unsupported: field {node.name} of {written} (system "
                            "types have methods, not fields)")
                return
            declared = self.program.resolve(written.parts, cls)
            if declared is not None and declared.decl is not None and declared.kind == "class" \
                    and declared.find_field(node.key) is None:
                self.report(cls, node, f"Variable does not exist: {node.name}")
            return
        if parts is None or parts[0].lower() in scope or self._known_field(cls, parts[0].lower()):
            return
        if self.program.resolve(tuple(parts), cls) is not None:
            return
        key = lib.class_key(parts)
        enum = lib.ENUMS.get(key)
        if enum is not None and node.name.upper() not in enum[1]:
            self.report(cls, node, f"Variable does not exist: {enum[0]}.{node.name}")
        elif key in lib.NAMESPACES and not lib.is_system_class(f"{key}.{node.key}"):
            self.report(cls, node, f"unsupported: unknown system type {parts[0]}.{node.name}")

    def _is_exception_type(self, t: s.TypeRef, cls: ClassInfo) -> bool:
        found = self.program.resolve(t.parts, cls)
        return found is not None and found.is_exception

    def check_new(self, cls: ClassInfo, node: s.New) -> None:
        found = self.program.resolve(node.type.parts, cls)
        if found is not None:
            if found.kind != "class" or (found.decl is not None and found.decl.abstract):
                self.report(cls, node, f"{found.qualified} can't be constructed "
                            "(abstract, interface or enum)")
            return
        if node.type.key in BUILTIN_EXCEPTIONS and len(node.type.parts) == 1:
            return
        key = lib.class_key(node.type.parts)
        table = lib.CTORS.get(key)
        if table is None:
            self.report(cls, node, f"unsupported: new {node.type}")
        elif lib.pick(table, len(node.args)) is None:
            self.report(cls, node, f"unsupported: new {node.type} with {len(node.args)} arguments")

    def _head(self, node: s.Node) -> list[str] | None:
        parts: list[str] = []
        while isinstance(node, s.FieldGet) and not node.safe:
            parts.append(node.name)
            node = node.obj
        if not isinstance(node, s.Name):
            return None
        parts.append(node.name)
        return list(reversed(parts))

    def check_call(self, cls: ClassInfo, node: s.Call, scope: dict[str, s.TypeRef]) -> None:
        if node.obj is None:
            owner: ClassInfo | None = cls
            while owner is not None:
                if any(len(m.params) == len(node.args) for m in owner.find_methods(node.key)):
                    return
                owner = owner.outer
            self.report(cls, node, f"Method does not exist or incorrect signature: "
                        f"{node.name}({len(node.args)} arguments)")
            return
        if isinstance(node.obj, s.This | s.Super):
            return
        if not isinstance(node.obj, s.Name | s.FieldGet):
            inferred = self.infer(cls, node.obj, scope)
            if inferred is not None:
                self._check_instance(cls, node, inferred)
            return
        parts = self._head(node.obj)
        if parts is None:
            return
        if parts[0].lower() in scope:
            if len(parts) == 1:
                self._check_instance(cls, node, scope[parts[0].lower()])
            return
        target = self.program.resolve(tuple(parts), cls)
        if target is not None:
            return  # user classes: checked when called (overloads by runtime type)
        if len(parts) == 1 and parts[0].lower().endswith(("__mdt", "__c")):
            allowed = RECORD_METHODS["__mdt" if parts[0].lower().endswith("__mdt") else "__c"]
            if (node.key, len(node.args)) not in allowed:
                self.report(cls, node, f"unsupported: {parts[0]}.{node.name} with "
                            f"{len(node.args)} arguments")
            return
        for cut in range(len(parts), 0, -1):
            key = lib.class_key(parts[:cut])
            if self.program.resolve(tuple(parts[:cut]), cls) is not None:
                return
            if key in lib.ENUMS and cut < len(parts):
                return  # LoggingLevel.DEBUG.name()
            if key in lib.STATIC or key in lib.ENUMS or key in lib.TYPES:
                if cut < len(parts):
                    return  # a static field's method; checked at run time
                table = lib.STATIC.get(key, {}).get(node.key)
                if key in lib.ENUMS and node.key in ("values", "valueof"):
                    return
                if table is None or lib.pick(table, len(node.args)) is None:
                    self.report(cls, node, f"unsupported: system method {'.'.join(parts)}."
                                f"{node.name} with {len(node.args)} arguments")
                return
        # an unknown first name is reported once, by check_name

    def infer(self, cls: ClassInfo, node: s.Node, scope: dict[str, s.TypeRef]) -> s.TypeRef | None:
        """The static type of an expression where it is plain to see; None when it isn't."""
        if isinstance(node, s.Cast | s.New | s.NewList | s.NewMap):
            return node.type
        if isinstance(node, s.Lit):
            return infer_literal(node.value)
        if isinstance(node, s.Name):
            return scope.get(node.key)
        if isinstance(node, s.Index):
            base = self.infer(cls, node.obj, scope)
            return base.args[0] if base is not None and base.key == "list" and base.args else None
        if not isinstance(node, s.Call):
            return None
        if node.obj is None or isinstance(node.obj, s.This | s.Super):
            return None
        receiver = self.infer(cls, node.obj, scope) if not isinstance(
            node.obj, s.Name) or node.obj.key in scope else None
        if receiver is None:
            parts = self._head(node.obj)
            if parts is None or parts[0].lower() in scope or self.program.resolve(
                    tuple(parts), cls) is not None:
                return None
            written = RETURNS.get(f"{lib.class_key(parts)}.{node.key}")
            return type_of(written, ()) if written else None
        if self.program.resolve(receiver.parts, cls) is not None:
            return None  # the user's own methods: their declared types aren't tracked here
        written = RETURNS.get(f"{lib.class_key(receiver.parts)}.{node.key}")
        return type_of(written, receiver.args) if written else None

    def _check_instance(self, cls: ClassInfo, node: s.Call, t: s.TypeRef) -> None:
        if t.key in FIELDS and len(t.parts) == 1:
            if (node.key, len(node.args)) not in (("get", 1), ("put", 2)):
                self.report(cls, node, f"unsupported: method {t}.{node.name} with "
                            f"{len(node.args)} arguments")
            return
        user = self.program.resolve(t.parts, cls)
        if user is not None and user.decl is not None:
            if user.kind == "enum" or user.is_exception or (user.kind == "interface" and not \
                    user.decl.methods):
                return  # enum and exception methods come from the system
            if not any(len(m.params) == len(node.args) for m in user.find_methods(node.key)) \
                    and node.key not in ("equals", "hashcode", "tostring"):
                self.report(cls, node, f"Method does not exist or incorrect signature: "
                            f"{user.qualified}.{node.name}({len(node.args)} arguments)")
            return
        pytype = VALUE_TYPES.get(t.key) or lib.TYPES.get(lib.class_key(t.parts))
        if pytype is None:
            return
        table = lib.INSTANCE.get(pytype, {}).get(node.key)
        if table is None or lib.pick(table, len(node.args)) is None:
            self.report(cls, node, f"unsupported: method {t}.{node.name} with "
                        f"{len(node.args)} arguments")


def check_program(program: ApexProgram) -> list[Diagnostic]:
    checker = Checker(program)
    for cls in program.all_classes:
        if cls.decl is not None:
            checker.check_class(cls)
    return checker.diags
