"""The Apex syntax tree the interpreter walks: small typed nodes built once from tree-sitter's CST.

Every name is kept as written (for messages) and lower-cased (for lookup: Apex identifiers, types
and methods are case-insensitive). Positions are 1-based lines and columns in the source file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, frozen=True)
class TypeRef:
    """A type as written: ``Map<String, List<Integer>>``, ``Auth.SomeType`` (parts kept).

    ``String[]`` is kept as ``List<String>``, as Apex treats them as one type.
    """

    parts: tuple[str, ...]
    args: tuple[TypeRef, ...] = ()

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def key(self) -> str:
        """The lower-cased last part: what lookups use."""
        return self.parts[-1].lower()

    @property
    def qualified(self) -> str:
        return ".".join(self.parts).lower()

    def __str__(self) -> str:
        base = ".".join(self.parts)
        if self.args:
            return f"{base}<{','.join(str(a) for a in self.args)}>"
        return base


OBJECT = TypeRef(("Object",))
STRING = TypeRef(("String",))


@dataclass(slots=True)
class Node:
    line: int
    col: int


# -------------------------------------------------------------------------- expressions


@dataclass(slots=True)
class Lit(Node):
    value: Any


@dataclass(slots=True)
class Name(Node):
    name: str
    key: str


@dataclass(slots=True)
class FieldGet(Node):
    obj: Node
    name: str
    key: str
    safe: bool = False


@dataclass(slots=True)
class Call(Node):
    obj: Node | None
    name: str
    key: str
    args: list[Node]
    safe: bool = False


@dataclass(slots=True)
class Index(Node):
    obj: Node
    index: Node


@dataclass(slots=True)
class New(Node):
    type: TypeRef
    args: list[Node]


@dataclass(slots=True)
class NewList(Node):
    type: TypeRef  # the List<T> (or Set<T>) type
    size: Node | None
    items: list[Node] | None
    copy: Node | None = None  # new List<T>(other)


@dataclass(slots=True)
class NewMap(Node):
    type: TypeRef
    pairs: list[tuple[Node, Node]]
    copy: Node | None = None  # new Map<K,V>(other)


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(slots=True)
class Update(Node):
    op: str  # ++ or --
    target: Node
    prefix: bool


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Assign(Node):
    op: str  # =, +=, -=, ...
    target: Node
    value: Node


@dataclass(slots=True)
class Ternary(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(slots=True)
class InstanceOf(Node):
    expr: Node
    type: TypeRef


@dataclass(slots=True)
class Cast(Node):
    type: TypeRef
    expr: Node


@dataclass(slots=True)
class ClassLit(Node):
    type: TypeRef


@dataclass(slots=True)
class This(Node):
    pass


@dataclass(slots=True)
class Super(Node):
    pass


@dataclass(slots=True)
class SoqlCond(Node):
    field: str  # lower-cased field name
    op: str  # =, !=, IN, LIKE
    value: Node  # a Lit or a bound Apex expression


@dataclass(slots=True)
class Soql(Node):
    fields: list[str]  # as written
    sobject: str  # lower-cased: user | network
    where: list[SoqlCond]  # ANDed
    limit: Node | None
    text: str


# -------------------------------------------------------------------------- statements


@dataclass(slots=True)
class Block(Node):
    body: list[Node]


@dataclass(slots=True)
class LocalVar(Node):
    type: TypeRef
    decls: list[tuple[str, Node | None]]  # (lower-cased name, initialiser)


@dataclass(slots=True)
class ExprStmt(Node):
    expr: Node


@dataclass(slots=True)
class If(Node):
    cond: Node
    then: Node
    other: Node | None


@dataclass(slots=True)
class While(Node):
    cond: Node
    body: Node
    do: bool = False


@dataclass(slots=True)
class For(Node):
    init: list[Node]
    cond: Node | None
    update: list[Node]
    body: Node


@dataclass(slots=True)
class ForEach(Node):
    type: TypeRef
    name: str
    iterable: Node
    body: Node


@dataclass(slots=True)
class Return(Node):
    value: Node | None


@dataclass(slots=True)
class Break(Node):
    pass


@dataclass(slots=True)
class Continue(Node):
    pass


@dataclass(slots=True)
class Throw(Node):
    value: Node


@dataclass(slots=True)
class Catch(Node):
    type: TypeRef
    name: str
    body: Block


@dataclass(slots=True)
class Try(Node):
    body: Block
    catches: list[Catch]
    final: Block | None


@dataclass(slots=True)
class When(Node):
    values: list[Node] | None  # None: when else
    body: Block


@dataclass(slots=True)
class Switch(Node):
    subject: Node
    whens: list[When]


@dataclass(slots=True)
class CtorCall(Node):
    """``this(...)`` or ``super(...)`` as a constructor's first statement."""

    kind: str  # this | super
    args: list[Node]


# -------------------------------------------------------------------------- declarations


@dataclass(slots=True)
class Param:
    type: TypeRef
    name: str  # lower-cased


@dataclass(slots=True)
class MethodDecl:
    name: str
    key: str
    params: list[Param]
    returns: TypeRef | None  # None: void (or a constructor)
    body: Block | None
    line: int
    static: bool = False
    abstract: bool = False
    annotations: frozenset[str] = frozenset()
    owner: ClassDecl | None = field(default=None, repr=False)

    @property
    def is_test(self) -> bool:
        return "istest" in self.annotations


@dataclass(slots=True)
class Accessor:
    body: Block | None  # None: automatic


@dataclass(slots=True)
class FieldDecl:
    name: str
    key: str
    type: TypeRef
    init: Node | None
    line: int
    static: bool = False
    final: bool = False
    transient: bool = False  # left out of JSON.serialize
    getter: Accessor | None = None
    setter: Accessor | None = None

    @property
    def is_property(self) -> bool:
        return self.getter is not None or self.setter is not None


@dataclass(slots=True)
class ClassDecl:
    name: str
    key: str
    kind: str  # class | interface | enum
    file: str
    line: int
    superclass: TypeRef | None = None
    interfaces: list[TypeRef] = field(default_factory=list)
    fields: list[FieldDecl] = field(default_factory=list)
    methods: dict[str, list[MethodDecl]] = field(default_factory=dict)  # lower-cased name
    ctors: list[MethodDecl] = field(default_factory=list)
    inner: dict[str, ClassDecl] = field(default_factory=dict)
    static_init: list[Block] = field(default_factory=list)
    instance_init: list[Block] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)  # enum values, upper-cased as written
    annotations: frozenset[str] = frozenset()
    abstract: bool = False
    outer: ClassDecl | None = field(default=None, repr=False)

    @property
    def qualified(self) -> str:
        return f"{self.outer.qualified}.{self.name}" if self.outer else self.name

    @property
    def is_test(self) -> bool:
        return "istest" in self.annotations
