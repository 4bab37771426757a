"""tree-sitter CST → syntax nodes for Apex expressions, types and the inline SOQL subset.

What isn't converted is recorded as ``unsupported: <construct>`` with its position, so the
whole-file check lists every construct the bench would not interpret, before anything runs.
"""

from __future__ import annotations

import decimal
from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.diagnostics import Diagnostic
from otp_bench.apex.values import Long

Ts = Any  # a tree_sitter.Node: the package is imported lazily, so it isn't named in annotations

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
_BINARY = {"+", "-", "*", "/", "==", "!=", "<>", "===", "!==", "<", ">", "<=", ">=", "&&",
           "||", "&", "|", "^", "<<", ">>", ">>>", "??"}
_INT_MAX = 2**31 - 1
_LONG_MAX = 2**63 - 1


def text(node: Ts) -> str:
    return str(node.text.decode("utf-8", "replace"))


def unescape(raw: str) -> str:
    """An Apex string literal's value: quotes removed, backslash escapes resolved."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body):
                try:
                    out.append(chr(int(body[i + 2:i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class ExprBuilder:
    """Builds expressions and types for one file, collecting diagnostics as it goes."""

    def __init__(self, file: str, diags: list[Diagnostic]) -> None:
        self.file = file
        self.diags = diags

    # ------------------------------------------------------------------ helpers
    def pos(self, node: Ts) -> tuple[int, int]:
        return node.start_point[0] + 1, node.start_point[1] + 1

    def unsupported(self, node: Ts, what: str) -> s.Node:
        line, col = self.pos(node)
        self.diags.append(Diagnostic(self.file, line, col, f"unsupported: {what}"))
        return s.Lit(line, col, None)

    def error(self, node: Ts, message: str) -> None:
        line, col = self.pos(node)
        self.diags.append(Diagnostic(self.file, line, col, message))

    # ------------------------------------------------------------------ types
    def type(self, node: Ts) -> s.TypeRef:
        kind = node.type
        if kind == "type_identifier":
            return s.TypeRef((text(node),))
        if kind == "scoped_type_identifier":
            parts: list[str] = []
            args: tuple[s.TypeRef, ...] = ()
            for child in node.named_children:
                sub = self.type(child)
                parts.extend(sub.parts)
                args = sub.args or args
            return s.TypeRef(tuple(parts), args)
        if kind == "generic_type":
            base: s.TypeRef | None = None
            args_list: list[s.TypeRef] = []
            for child in node.named_children:
                if child.type == "type_arguments":
                    args_list = [self.type(a) for a in child.named_children]
                else:
                    base = self.type(child)
            if base is None:
                self.unsupported(node, "type")
                return s.OBJECT
            return s.TypeRef(base.parts, tuple(args_list))
        if kind == "array_type":
            elem = node.child_by_field_name("element")
            dims = node.child_by_field_name("dimensions")
            if dims is not None and text(dims).count("[") > 1:
                self.unsupported(node, "multi-dimensional array")
            return s.TypeRef(("List",), (self.type(elem),))
        if kind == "void_type":
            return s.TypeRef(("void",))
        if kind in ("boolean_type", "integral_type", "floating_point_type"):
            return s.TypeRef((text(node),))
        self.unsupported(node, f"type {kind}")
        return s.OBJECT

    # ------------------------------------------------------------------ expressions
    def expr(self, node: Ts) -> s.Node:
        method = getattr(self, "x_" + node.type, None)
        if method is None:
            if node.type == "ERROR" or node.is_missing:
                return s.Lit(*self.pos(node), None)  # reported by the syntax-error pass
            return self.unsupported(node, node.type.replace("_", " "))
        result: s.Node = method(node)
        return result

    def args(self, node: Ts | None) -> list[s.Node]:
        if node is None:
            return []
        return [self.expr(c) for c in node.named_children if c.type != "comment"]

    def x_dml_expression(self, node: Ts) -> s.Node:
        verb = text(node).split(None, 1)[0].lower() if text(node).strip() else "dml"
        return self.unsupported(node, f"DML ({verb}): the bench has no records to write")

    def x_parenthesized_expression(self, node: Ts) -> s.Node:
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return self.unsupported(node, "parenthesized expression")
        return self.expr(inner[0])

    def x_identifier(self, node: Ts) -> s.Node:
        name = text(node)
        return s.Name(*self.pos(node), name, name.lower())

    def x_this(self, node: Ts) -> s.Node:
        return s.This(*self.pos(node))

    def x_super(self, node: Ts) -> s.Node:
        return s.Super(*self.pos(node))

    def x_string_literal(self, node: Ts) -> s.Node:
        return s.Lit(*self.pos(node), unescape(text(node)))

    def x_null_literal(self, node: Ts) -> s.Node:
        return s.Lit(*self.pos(node), None)

    def x_boolean(self, node: Ts) -> s.Node:
        return s.Lit(*self.pos(node), text(node).lower() == "true")

    def x_int(self, node: Ts) -> s.Node:
        raw = text(node)
        long = raw[-1] in "lL"
        digits = raw[:-1] if long else raw
        try:
            value = int(digits, 16) if digits.lower().startswith("0x") else int(digits)
        except ValueError:
            return self.unsupported(node, f"number literal {raw}")
        if long:
            if value > _LONG_MAX:
                self.error(node, f"Illegal long: {raw}")
            return s.Lit(*self.pos(node), Long(value))
        if value > _INT_MAX:
            self.error(node, f"Illegal integer: {raw}")
        return s.Lit(*self.pos(node), value)

    def x_decimal_floating_point_literal(self, node: Ts) -> s.Node:
        raw = text(node)
        try:
            if raw[-1] in "dD":
                return s.Lit(*self.pos(node), float(raw[:-1]))
            return s.Lit(*self.pos(node), decimal.Decimal(raw))
        except (ValueError, decimal.InvalidOperation):
            return self.unsupported(node, f"number literal {raw}")

    def x_field_access(self, node: Ts) -> s.Node:
        obj = node.child_by_field_name("object")
        fld = node.child_by_field_name("field")
        safe = any(c.type == "safe_navigation_operator" for c in node.children)
        line, col = self.pos(node)
        if fld is None or obj is None:
            return self.unsupported(node, "field access")
        name = text(fld)
        if name.lower() == "class" and not safe:
            return s.ClassLit(line, col, self._type_from_expr(obj))
        return s.FieldGet(line, col, self.expr(obj), name, name.lower(), safe)

    def _type_from_expr(self, node: Ts) -> s.TypeRef:
        if node.type == "identifier":
            return s.TypeRef((text(node),))
        if node.type == "field_access":
            obj = node.child_by_field_name("object")
            fld = node.child_by_field_name("field")
            base = self._type_from_expr(obj)
            return s.TypeRef((*base.parts, text(fld)))
        return self.type(node)

    def x_method_invocation(self, node: Ts) -> s.Node:
        obj = node.child_by_field_name("object")
        name_node = node.child_by_field_name("name")
        safe = any(c.type == "safe_navigation_operator" for c in node.children)
        name = text(name_node)
        target = self.expr(obj) if obj is not None else None
        args = self.args(node.child_by_field_name("arguments"))
        line, col = self.pos(name_node)
        return s.Call(line, col, target, name, name.lower(), args, safe)

    def x_array_access(self, node: Ts) -> s.Node:
        return s.Index(*self.pos(node), self.expr(node.child_by_field_name("array")),
                       self.expr(node.child_by_field_name("index")))

    def x_object_creation_expression(self, node: Ts) -> s.Node:
        typ = self.type(node.child_by_field_name("type"))
        args_node = node.child_by_field_name("arguments")
        if any(c.type == "class_body" for c in node.named_children):
            return self.unsupported(node, "anonymous class")
        args = self.args(args_node)
        line, col = self.pos(node)
        if typ.key in ("list", "set") and len(args) <= 1 and len(typ.parts) == 1:
            return s.NewList(line, col, typ, None, None, args[0] if args else None)
        if typ.key == "map" and len(args) <= 1 and len(typ.parts) == 1:
            return s.NewMap(line, col, typ, [], args[0] if args else None)
        return s.New(line, col, typ, args)

    def x_array_creation_expression(self, node: Ts) -> s.Node:
        typ_node = node.child_by_field_name("type")
        typ = self.type(typ_node)
        line, col = self.pos(node)
        dims = node.child_by_field_name("dimensions")
        init = node.child_by_field_name("value")
        if typ.key not in ("list", "set"):  # String[5] or String[]{...}
            typ = s.TypeRef(("List",), (typ,))
        if dims is not None and dims.type == "dimensions_expr":
            sizes = [c for c in dims.named_children]
            return s.NewList(line, col, typ, self.expr(sizes[0]) if sizes else None, None)
        items = self.args(init) if init is not None else []
        return s.NewList(line, col, typ, None, items)

    def x_map_creation_expression(self, node: Ts) -> s.Node:
        typ = self.type(node.child_by_field_name("type"))
        init = node.child_by_field_name("value")
        pairs: list[tuple[s.Node, s.Node]] = []
        if init is not None:
            for pair in init.named_children:
                kids = [c for c in pair.named_children if c.type != "comment"]
                if pair.type != "map_key_initializer" or len(kids) != 2:
                    self.unsupported(pair, "map initializer")
                    continue
                pairs.append((self.expr(kids[0]), self.expr(kids[1])))
        return s.NewMap(*self.pos(node), typ, pairs)

    def x_unary_expression(self, node: Ts) -> s.Node:
        op = text(node.child_by_field_name("operator"))
        operand = node.child_by_field_name("operand")
        if op == "-" and operand is not None and operand.type == "int":
            raw = text(operand)  # -2147483648 is a literal, as in Java
            if raw.rstrip("lL") in ("2147483648", "9223372036854775808"):
                long = raw[-1] in "lL"
                value = -int(raw.rstrip("lL"))
                return s.Lit(*self.pos(node), Long(value) if long else value)
        return s.Unary(*self.pos(node), op, self.expr(node.child_by_field_name("operand")))

    def x_update_expression(self, node: Ts) -> s.Node:
        op_node = node.child_by_field_name("operator")
        operand = node.child_by_field_name("operand")
        prefix = op_node.start_byte < operand.start_byte
        return s.Update(*self.pos(node), text(op_node), self.expr(operand), prefix)

    def x_binary_expression(self, node: Ts) -> s.Node:
        op_node = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op_node is None:  # ?? has no operator field in this grammar
            between = [c for c in node.children if not c.is_named]
            op = text(between[0]) if between else "??"
        else:
            op = text(op_node)
        if op not in _BINARY:
            return self.unsupported(node, f"operator {op}")
        return s.Binary(*self.pos(node), op, self.expr(left), self.expr(right))

    def x_assignment_expression(self, node: Ts) -> s.Node:
        op = text(node.child_by_field_name("operator"))
        target = self.expr(node.child_by_field_name("left"))
        if not isinstance(target, s.Name | s.FieldGet | s.Index):
            return self.unsupported(node, "assignment target")
        if op not in ("=", "+=", "-=", "*=", "/=", "&=", "|=", "^=", "<<=", ">>=", ">>>="):
            return self.unsupported(node, f"operator {op}")
        return s.Assign(*self.pos(node), op, target, self.expr(node.child_by_field_name("right")))

    def x_ternary_expression(self, node: Ts) -> s.Node:
        return s.Ternary(*self.pos(node), self.expr(node.child_by_field_name("condition")),
                         self.expr(node.child_by_field_name("consequence")),
                         self.expr(node.child_by_field_name("alternative")))

    def x_instanceof_expression(self, node: Ts) -> s.Node:
        return s.InstanceOf(*self.pos(node), self.expr(node.child_by_field_name("left")),
                            self.type(node.child_by_field_name("right")))

    def x_cast_expression(self, node: Ts) -> s.Node:
        return s.Cast(*self.pos(node), self.type(node.child_by_field_name("type")),
                      self.expr(node.child_by_field_name("value")))

    # ------------------------------------------------------------------ SOQL
    def x_query_expression(self, node: Ts) -> s.Node:
        body = next((c for c in node.named_children if c.type == "soql_query_body"), None)
        if body is None:
            return self.unsupported(node, "SOSL or query form")
        line, col = self.pos(node)
        fields: list[str] = []
        sobject = ""
        where: list[s.SoqlCond] = []
        limit: s.Node | None = None
        for clause in body.named_children:
            kind = clause.type
            if kind == "select_clause":
                for f in clause.named_children:
                    if f.type != "field_identifier" or "." in text(f):
                        self.unsupported(f, f"SOQL select item {text(f)}")
                    fields.append(text(f))
            elif kind == "from_clause":
                sobject = text(clause.named_children[0]).lower() if clause.named_children else ""
                if sobject not in ("user", "network"):
                    self.unsupported(clause, f"SOQL on {text(clause.named_children[0])} "
                                     "(the bench reads User and Network)")
            elif kind == "where_clause":
                self._soql_where(clause.named_children[0], where)
            elif kind == "limit_clause":
                limit = self._soql_value(clause.named_children[0])
            else:
                self.unsupported(clause, f"SOQL {kind.replace('_', ' ')}")
        return s.Soql(line, col, fields, sobject, where, limit, text(node))

    def _soql_where(self, node: Ts, out: list[s.SoqlCond]) -> None:
        if node.type == "and_expression":
            for c in node.named_children:
                self._soql_where(c, out)
            return
        if node.type != "comparison_expression":
            self.unsupported(node, f"SOQL condition {node.type.replace('_', ' ')}")
            return
        kids = node.named_children
        if len(kids) != 3 or kids[0].type != "field_identifier" or "." in text(kids[0]):
            self.unsupported(node, "SOQL condition")
            return
        op = text(kids[1]).upper()
        if op not in ("=", "!=", "<>", "IN", "NOT IN", "LIKE"):
            self.unsupported(kids[1], f"SOQL operator {op}")
            return
        line, col = self.pos(node)
        out.append(s.SoqlCond(line, col, text(kids[0]).lower(), op, self._soql_value(kids[2])))

    def _soql_value(self, node: Ts) -> s.Node:
        if node.type == "bound_apex_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.expr(inner[0])
        if node.type in ("string_literal", "boolean", "int", "null_literal"):
            return self.expr(node)
        return self.unsupported(node, f"SOQL value {node.type.replace('_', ' ')}")
