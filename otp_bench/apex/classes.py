"""The class model the interpreter runs: user classes linked to their supertypes, plus the
built-in exception classes with Salesforce's type names.

Lookups are by lower-cased name: Apex type, field and method names are case-insensitive.
"""

from __future__ import annotations

from otp_bench.apex import syntax as s

# System exceptions a handler meets, all ``System.`` types directly under ``Exception``.
SYSTEM_EXCEPTIONS = (
    "AssertException", "AsyncException", "CalloutException", "DmlException", "EmailException",
    "FinalException", "HandledException", "IllegalArgumentException", "InvalidHeaderException",
    "InvalidParameterValueException", "JSONException", "LimitException", "ListException",
    "MathException", "NoAccessException", "NoDataFoundException", "NoSuchElementException",
    "NullPointerException", "QueryException", "RequiredFeatureMissingException",
    "SearchException", "SecurityException", "SerializationException", "SObjectException",
    "StringException", "TypeException", "UnexpectedException", "XmlException",
)


class ClassInfo:
    """A class, interface or enum ready to run: supertypes resolved, members indexed."""

    def __init__(self, name: str, qualified: str, decl: s.ClassDecl | None = None,
                 superclass: ClassInfo | None = None) -> None:
        self.name = name
        self.key = name.lower()
        # as getTypeName() prints it: System.CalloutException, Outer.Inner
        self.qualified = qualified
        self.decl = decl
        self.superclass = superclass
        self.interfaces: list[ClassInfo] = []
        self.interface_names: set[str] = set()  # system interfaces, lower-cased qualified
        self.inner: dict[str, ClassInfo] = {}
        self.outer: ClassInfo | None = None
        self.fields: dict[str, s.FieldDecl] = {}
        self.instance_fields: list[s.FieldDecl] = []  # own, declaration order
        self.static_fields: list[s.FieldDecl] = []
        self._lineage: list[ClassInfo] | None = None  # cached once linked: classes don't change
        self._methods: dict[str, list[s.MethodDecl]] = {}

    @property
    def kind(self) -> str:
        return self.decl.kind if self.decl else "class"

    @property
    def is_exception(self) -> bool:
        cls: ClassInfo | None = self
        while cls is not None:
            if cls.key == "exception" and cls.decl is None:
                return True
            cls = cls.superclass
        return False

    def lineage(self) -> list[ClassInfo]:
        if self._lineage is not None:
            return self._lineage
        out: list[ClassInfo] = []
        cls: ClassInfo | None = self
        while cls is not None:
            out.append(cls)
            cls = cls.superclass
        self._lineage = out
        return out

    def is_subclass_of(self, other: ClassInfo) -> bool:
        for cls in self.lineage():
            if cls is other:
                return True
            if any(i is other or i.is_subclass_of(other) for i in cls.interfaces):
                return True
        return False

    def implements(self, qualified_key: str) -> bool:
        """A system interface such as ``auth.customonetimepassworddeliveryhandler``."""
        short = qualified_key.rsplit(".", 1)[-1]
        for cls in self.lineage():
            if qualified_key in cls.interface_names or short in cls.interface_names:
                return True
            if any(i.implements(qualified_key) for i in cls.interfaces):
                return True
        return False

    def find_methods(self, key: str) -> list[s.MethodDecl]:
        """Methods of that name, most-derived first (virtual dispatch takes the first match)."""
        cached = self._methods.get(key)
        if cached is not None:
            return cached
        out: list[s.MethodDecl] = []
        seen: set[tuple[int, ...]] = set()
        for cls in self.lineage():
            if cls.decl is None:
                continue
            for m in cls.decl.methods.get(key, []):
                sig = (len(m.params), *(hash(p.type.qualified) for p in m.params))
                if sig in seen:
                    continue
                seen.add(sig)
                out.append(m)
        self._methods[key] = out
        return out

    def find_field(self, key: str) -> tuple[ClassInfo, s.FieldDecl] | None:
        for cls in self.lineage():
            f = cls.fields.get(key)
            if f is not None:
                return cls, f
        return None

    def __repr__(self) -> str:
        return f"<class {self.qualified}>"


EXCEPTION = ClassInfo("Exception", "System.Exception")
BUILTIN_EXCEPTIONS: dict[str, ClassInfo] = {"exception": EXCEPTION}
for _name in SYSTEM_EXCEPTIONS:
    BUILTIN_EXCEPTIONS[_name.lower()] = ClassInfo(_name, f"System.{_name}", superclass=EXCEPTION)


def builtin_exception(key: str) -> ClassInfo:
    return BUILTIN_EXCEPTIONS[key.lower()]
