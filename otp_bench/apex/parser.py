"""Apex source text → class declarations, through tree-sitter's Apex grammar (sfapex).

The grammar comes from ``tree-sitter-language-pack`` (the ``apex`` extra); it is imported on first
use only, so loading otp-bench doesn't pay for it. Every syntax error and every construct the
bench doesn't interpret becomes a ``Diagnostic``; a file with any diagnostic never runs.
"""

from __future__ import annotations

import threading
from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.diagnostics import Diagnostic
from otp_bench.apex.parse_expr import ExprBuilder, Ts, text

_parser_lock = threading.Lock()
_parser: Any = None

INSTALL_HINT = ("the Apex grammar is not installed: pip install 'otp-bench[apex]' "
                "(make run and make test install it)")


def _get_parser() -> Any:
    global _parser
    with _parser_lock:
        if _parser is None:
            try:
                from tree_sitter_language_pack import get_parser
            except ImportError as exc:
                raise RuntimeError(INSTALL_HINT) from exc
            _parser = get_parser("apex")
        return _parser


def parse_tree(source: str) -> Any:
    parser = _get_parser()
    with _parser_lock:  # a tree_sitter.Parser is not safe to share between threads
        return parser.parse(source.encode("utf-8"))


def syntax_errors(file: str, root: Ts) -> list[Diagnostic]:
    """Every ERROR and MISSING node, as the Apex compiler would list them (first of each run)."""
    out: list[Diagnostic] = []
    if not root.has_error:
        return out
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            out.append(Diagnostic(file, node.start_point[0] + 1, node.start_point[1] + 1,
                                  f"syntax error: expected '{node.type}'"))
            continue
        if node.type == "ERROR":
            snippet = text(node).strip().splitlines()[0][:40] if text(node).strip() else ""
            out.append(Diagnostic(file, node.start_point[0] + 1, node.start_point[1] + 1,
                                  f"syntax error: unexpected '{snippet}'"))
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    out.sort(key=lambda d: (d.line, d.col))
    return out


class Builder(ExprBuilder):
    """Builds the classes of one file."""

    def file_classes(self, root: Ts) -> list[s.ClassDecl]:
        out: list[s.ClassDecl] = []
        for node in root.named_children:
            if node.type in ("class_declaration", "interface_declaration", "enum_declaration"):
                out.append(self.type_decl(node, None))
            elif node.type not in ("comment", "line_comment", "block_comment", "ERROR"):
                self.unsupported(node, node.type.replace("_", " "))
        return out

    # ------------------------------------------------------------------ declarations
    def modifiers(self, node: Ts) -> tuple[set[str], frozenset[str]]:
        mods: set[str] = set()
        annotations: set[str] = set()
        for child in node.named_children:
            if child.type != "modifiers":
                continue
            for m in child.named_children:
                if m.type == "annotation":
                    name = m.child_by_field_name("name")
                    annotations.add(text(name).lower() if name is not None else "")
                elif m.type == "modifier":
                    word = m.named_children[0].type if m.named_children else text(m).lower()
                    mods.add(word.lower())
        return mods, frozenset(annotations)

    def type_decl(self, node: Ts, outer: s.ClassDecl | None) -> s.ClassDecl:
        mods, annotations = self.modifiers(node)
        name = text(node.child_by_field_name("name"))
        kind = {"class_declaration": "class", "interface_declaration": "interface",
                "enum_declaration": "enum"}[node.type]
        line, _ = self.pos(node)
        decl = s.ClassDecl(name, name.lower(), kind, self.file, line, annotations=annotations,
                           abstract="abstract" in mods or kind == "interface", outer=outer)
        if "istest" in annotations or (outer is not None and outer.is_test):
            decl.annotations = annotations | {"istest"}
        sup = node.child_by_field_name("superclass")
        if sup is not None:
            decl.superclass = self.type(sup.named_children[0])
        for field in ("interfaces", "extends"):
            ifs = node.child_by_field_name(field)
            if ifs is not None:
                for tl in ifs.named_children:
                    kids = tl.named_children if tl.type == "type_list" else [tl]
                    decl.interfaces.extend(self.type(t) for t in kids)
        if kind == "interface":
            for child in node.named_children:
                if child.type == "extends_interfaces":
                    for tl in child.named_children:
                        decl.interfaces.extend(self.type(t) for t in tl.named_children)
        body = node.child_by_field_name("body")
        if body is not None:
            self.members(body, decl, interface=kind == "interface")
        return decl

    def members(self, body: Ts, decl: s.ClassDecl, *, interface: bool) -> None:
        for m in body.named_children:
            kind = m.type
            if kind in ("comment", "line_comment", "block_comment"):
                continue
            if kind == "enum_constant":
                decl.constants.append(text(m.child_by_field_name("name")))
            elif kind == "field_declaration":
                self.field_decl(m, decl)
            elif kind == "method_declaration":
                meth = self.method_decl(m, decl, interface=interface)
                decl.methods.setdefault(meth.key, []).append(meth)
            elif kind == "constructor_declaration":
                decl.ctors.append(self.method_decl(m, decl, interface=False))
            elif kind in ("class_declaration", "interface_declaration", "enum_declaration"):
                inner = self.type_decl(m, decl)
                decl.inner[inner.key] = inner
            elif kind == "static_initializer":
                decl.static_init.append(self.block(m.named_children[-1]))
            elif kind == "block":
                decl.instance_init.append(self.block(m))
            elif kind == "enum_body_declarations":
                self.members(m, decl, interface=False)
            elif kind == "ERROR":
                continue
            else:
                self.unsupported(m, kind.replace("_", " "))

    def field_decl(self, node: Ts, decl: s.ClassDecl) -> None:
        mods, _ = self.modifiers(node)
        typ = self.type(node.child_by_field_name("type"))
        accessors = next((c for c in node.named_children if c.type == "accessor_list"), None)
        for child in node.named_children:
            if child.type != "variable_declarator":
                continue
            name = text(child.child_by_field_name("name"))
            value = child.child_by_field_name("value")
            field = s.FieldDecl(name, name.lower(), typ,
                                self.expr(value) if value is not None else None,
                                self.pos(child)[0], static="static" in mods,
                                final="final" in mods, transient="transient" in mods)
            if accessors is not None:
                for acc in accessors.named_children:
                    which = acc.child_by_field_name("accessor")
                    word = text(which).lower() if which is not None else text(acc).lower()
                    body = acc.child_by_field_name("body")
                    accessor = s.Accessor(self.block(body) if body is not None else None)
                    if "get" in word.split("{")[0]:
                        field.getter = accessor
                    else:
                        field.setter = accessor
                if field.getter is None:
                    field.getter = None
            decl.fields.append(field)

    def method_decl(self, node: Ts, decl: s.ClassDecl, *, interface: bool) -> s.MethodDecl:
        mods, annotations = self.modifiers(node)
        name = text(node.child_by_field_name("name"))
        rtype_node = node.child_by_field_name("type")
        rtype = self.type(rtype_node) if rtype_node is not None else None
        if rtype is not None and rtype.key == "void":
            rtype = None
        params: list[s.Param] = []
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            if p.type == "formal_parameter":
                params.append(s.Param(self.type(p.child_by_field_name("type")),
                                      text(p.child_by_field_name("name")).lower()))
            elif p.type not in ("comment",):
                self.unsupported(p, p.type.replace("_", " "))
        body_node = node.child_by_field_name("body")
        body = self.block(body_node) if body_node is not None else None
        if "testmethod" in mods:
            annotations = annotations | {"istest"}
        return s.MethodDecl(name, name.lower(), params, rtype, body, self.pos(node)[0],
                            static="static" in mods, abstract=body is None,
                            annotations=annotations, owner=decl)

    # ------------------------------------------------------------------ statements
    def block(self, node: Ts) -> s.Block:
        line, col = self.pos(node)
        return s.Block(line, col, [self.stmt(c) for c in node.named_children
                                   if c.type not in ("comment", "line_comment", "block_comment")])

    def stmt(self, node: Ts) -> s.Node:
        method = getattr(self, "st_" + node.type, None)
        if method is None:
            if node.type == "ERROR" or node.is_missing:
                return s.Block(*self.pos(node), [])
            return self.unsupported(node, node.type.replace("_", " "))
        result: s.Node = method(node)
        return result

    def st_block(self, node: Ts) -> s.Node:
        return self.block(node)

    def st_constructor_body(self, node: Ts) -> s.Node:
        return self.block(node)

    def st_expression_statement(self, node: Ts) -> s.Node:
        inner = [c for c in node.named_children if c.type != "comment"]
        return s.ExprStmt(*self.pos(node), self.expr(inner[0])) if inner else s.Block(
            *self.pos(node), [])

    def st_local_variable_declaration(self, node: Ts) -> s.Node:
        typ = self.type(node.child_by_field_name("type"))
        decls: list[tuple[str, s.Node | None]] = []
        for child in node.named_children:
            if child.type == "variable_declarator":
                value = child.child_by_field_name("value")
                decls.append((text(child.child_by_field_name("name")).lower(),
                              self.expr(value) if value is not None else None))
        return s.LocalVar(*self.pos(node), typ, decls)

    def st_explicit_constructor_invocation(self, node: Ts) -> s.Node:
        ctor = node.child_by_field_name("constructor")
        if node.child_by_field_name("object") is not None:
            return self.unsupported(node, "qualified constructor call")
        return s.CtorCall(*self.pos(node), text(ctor).lower(),
                          self.args(node.child_by_field_name("arguments")))

    def st_if_statement(self, node: Ts) -> s.Node:
        other = node.child_by_field_name("alternative")
        return s.If(*self.pos(node), self.expr(node.child_by_field_name("condition")),
                    self.stmt(node.child_by_field_name("consequence")),
                    self.stmt(other) if other is not None else None)

    def st_while_statement(self, node: Ts) -> s.Node:
        return s.While(*self.pos(node), self.expr(node.child_by_field_name("condition")),
                       self.stmt(node.child_by_field_name("body")))

    def st_do_statement(self, node: Ts) -> s.Node:
        return s.While(*self.pos(node), self.expr(node.child_by_field_name("condition")),
                       self.stmt(node.child_by_field_name("body")), do=True)

    def st_for_statement(self, node: Ts) -> s.Node:
        init: list[s.Node] = []
        update: list[s.Node] = []
        for i, child in enumerate(node.children):
            field = node.field_name_for_child(i)
            if field == "init":
                init.append(self.stmt(child) if child.type == "local_variable_declaration"
                            else s.ExprStmt(*self.pos(child), self.expr(child)))
            elif field == "update":
                update.append(s.ExprStmt(*self.pos(child), self.expr(child)))
        cond = node.child_by_field_name("condition")
        return s.For(*self.pos(node), init, self.expr(cond) if cond is not None else None,
                     update, self.stmt(node.child_by_field_name("body")))

    def st_enhanced_for_statement(self, node: Ts) -> s.Node:
        return s.ForEach(*self.pos(node), self.type(node.child_by_field_name("type")),
                         text(node.child_by_field_name("name")).lower(),
                         self.expr(node.child_by_field_name("value")),
                         self.stmt(node.child_by_field_name("body")))

    def st_return_statement(self, node: Ts) -> s.Node:
        inner = [c for c in node.named_children if c.type != "comment"]
        return s.Return(*self.pos(node), self.expr(inner[0]) if inner else None)

    def st_break_statement(self, node: Ts) -> s.Node:
        if node.named_children:
            return self.unsupported(node, "labelled break")
        return s.Break(*self.pos(node))

    def st_continue_statement(self, node: Ts) -> s.Node:
        if node.named_children:
            return self.unsupported(node, "labelled continue")
        return s.Continue(*self.pos(node))

    def st_throw_statement(self, node: Ts) -> s.Node:
        inner = [c for c in node.named_children if c.type != "comment"]
        return s.Throw(*self.pos(node), self.expr(inner[0]))

    def st_try_statement(self, node: Ts) -> s.Node:
        body = self.block(node.child_by_field_name("body"))
        catches: list[s.Catch] = []
        final: s.Block | None = None
        for child in node.named_children:
            if child.type == "catch_clause":
                param = next(c for c in child.named_children if c.type == "formal_parameter")
                catches.append(s.Catch(*self.pos(child),
                                       self.type(param.child_by_field_name("type")),
                                       text(param.child_by_field_name("name")).lower(),
                                       self.block(child.child_by_field_name("body"))))
            elif child.type == "finally_clause":
                final = self.block(child.named_children[-1])
        return s.Try(*self.pos(node), body, catches, final)

    def st_switch_expression(self, node: Ts) -> s.Node:
        subject = self.expr(node.child_by_field_name("condition"))
        whens: list[s.When] = []
        body = node.child_by_field_name("body")
        for rule in body.named_children if body is not None else []:
            if rule.type != "switch_rule":
                continue
            label = next(c for c in rule.named_children if c.type == "switch_label")
            block = next(c for c in rule.named_children if c.type == "block")
            values: list[s.Node] | None = []
            labels = [c for c in label.named_children if c.type != "comment"]
            if not labels:
                values = None  # when else
            for v in labels:
                if v.type == "when_sobject_type":
                    self.unsupported(v, "switch on SObject type")
                elif values is not None:
                    values.append(self.expr(v))
            whens.append(s.When(*self.pos(rule), values, self.block(block)))
        return s.Switch(*self.pos(node), subject, whens)
