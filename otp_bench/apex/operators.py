"""Expression evaluation, part three: operators, assignment, indexing, casts, collection literals,
``switch`` labels."""

from __future__ import annotations

from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.conversions import assign, cast, instance_of
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.evaluate import EvaluatorBase, Frame, StaticRef
from otp_bench.apex.ops import arith, bitwise, compare, equals, wrap32, wrap64
from otp_bench.apex.values import ApexList, ApexMap, ApexObject, ApexSet, EnumValue, Long, SObject

_COMPOUND = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "&=": "&", "|=": "|", "^=": "^",
             "<<=": "<<", ">>=": ">>", ">>>=": ">>>"}
_ARITH = {"+", "-", "*", "/"}
_BITS = {"&", "|", "^", "<<", ">>", ">>>"}


class Operators(EvaluatorBase):
    def ev_unary(self, node: s.Unary, frame: Frame) -> Any:
        value = self.ev(node.operand, frame)
        if value is None:
            raise npe()
        op = node.op
        if op == "!":
            return not self.truth(value)
        if op == "+":
            return value
        if op == "-":
            if type(value) is int:
                return wrap32(-value)
            if type(value) is Long:
                return wrap64(-value)
            if type(value) is bool or not hasattr(value, "__neg__"):
                raise Unsupported(f"unary - on {type(value).__name__}")
            return -value
        if op == "~" and type(value) in (int, Long):
            return wrap32(~value) if type(value) is int else wrap64(~value)
        raise Unsupported(f"operator {op}")

    def ev_update(self, node: s.Update, frame: Frame) -> Any:
        old = self.ev(node.target, frame)
        if old is None:
            raise npe()
        new = arith("+" if node.op == "++" else "-", old, 1)
        self.store(node.target, new, frame)
        return new if node.prefix else old

    def ev_binary(self, node: s.Binary, frame: Frame) -> Any:
        op = node.op
        if op == "&&":
            return self.truth(self.ev(node.left, frame)) and self.truth(self.ev(node.right, frame))
        if op == "||":
            return self.truth(self.ev(node.left, frame)) or self.truth(self.ev(node.right, frame))
        left = self.ev(node.left, frame)
        if op == "??":
            return left if left is not None else self.ev(node.right, frame)
        right = self.ev(node.right, frame)
        if op in _ARITH:
            return arith(op, left, right)
        if op == "==":
            return equals(left, right)
        if op in ("!=", "<>"):
            return not equals(left, right)
        if op in ("===", "!=="):
            same = left is right or (
                not isinstance(left, ApexObject | ApexList | ApexMap | ApexSet | SObject)
                and type(left) is type(right) and left == right)
            return same if op == "===" else not same
        if op in ("<", ">", "<=", ">="):
            return compare(op, left, right)
        if op in _BITS:
            return bitwise(op, left, right)
        raise Unsupported(f"operator {op}")

    def ev_assign(self, node: s.Assign, frame: Frame) -> Any:
        if node.op == "=":
            value = self.ev(node.value, frame)
        else:
            old = self.ev(node.target, frame)
            rhs = self.ev(node.value, frame)
            op = _COMPOUND[node.op]
            value = arith(op, old, rhs) if op in _ARITH else bitwise(op, old, rhs)
        return self.store(node.target, value, frame)

    def store(self, target: s.Node, value: Any, frame: Frame) -> Any:
        if isinstance(target, s.Name):
            key = target.key
            if key in frame.vars:
                t = frame.types.get(key)
                value = assign(value, t, self.resolver(frame)) if t is not None else value
                frame.vars[key] = value
                return value
            this = frame.this
            if this is not None:
                found = this.cls.find_field(key)
                if found is not None and not found[1].static:
                    self.set_field(this, found[1], value, frame)
                    return value
            found = self._find_static(frame.cls, key)
            if found is not None:
                value = assign(value, found[1].type, self.resolver(frame))
                self.ensure_static(found[0])[key] = value
                return value
            raise Unsupported(f"Variable does not exist: {target.name}")
        if isinstance(target, s.FieldGet):
            ref = self.static_ref(target.obj, frame) if isinstance(
                target.obj, s.Name | s.FieldGet) else None
            obj = ref if ref is not None else self.ev(target.obj, frame)
            if isinstance(obj, StaticRef) and obj.cls is not None:
                found = obj.cls.find_field(target.key)
                if found is None or not found[1].static:
                    raise Unsupported(f"Variable does not exist: {target.name}")
                value = assign(value, found[1].type, self.resolver(frame))
                self.ensure_static(found[0])[target.key] = value
                return value
            if obj is None:
                raise npe()
            if isinstance(obj, ApexObject):
                found = obj.cls.find_field(target.key)
                if found is None:
                    raise Unsupported(f"Variable does not exist: {target.name}")
                if found[1].static:
                    self.ensure_static(found[0])[target.key] = value
                else:
                    self.set_field(obj, found[1], value, frame)
                return value
            if isinstance(obj, SObject):
                obj.fields[target.key] = (target.name, value)
                return value
            raise Unsupported(f"assignment to {target.name}")
        if isinstance(target, s.Index):
            lst = self.ev(target.obj, frame)
            idx = self.ev(target.index, frame)
            if lst is None or idx is None:
                raise npe()
            if not isinstance(lst, ApexList) or type(idx) is not int:
                raise Unsupported("index assignment to a non-List")
            if not 0 <= idx < len(lst):
                raise throw("ListException", f"List index out of bounds: {idx}")
            lst[idx] = assign(value, lst.elem, self.resolver(frame))
            return value
        raise Unsupported("assignment target")

    def ev_index(self, node: s.Index, frame: Frame) -> Any:
        lst = self.ev(node.obj, frame)
        idx = self.ev(node.index, frame)
        if lst is None or idx is None:
            raise npe()
        if not isinstance(lst, ApexList) or type(idx) is not int:
            raise Unsupported("[] on a value that is not a List")
        if not 0 <= idx < len(lst):
            raise throw("ListException", f"List index out of bounds: {idx}")
        return lst[idx]

    def ev_ternary(self, node: s.Ternary, frame: Frame) -> Any:
        if self.truth(self.ev(node.cond, frame)):
            return self.ev(node.then, frame)
        return self.ev(node.other, frame)

    def ev_instanceof(self, node: s.InstanceOf, frame: Frame) -> Any:
        return instance_of(self.ev(node.expr, frame), node.type, self.resolver(frame))

    def ev_cast(self, node: s.Cast, frame: Frame) -> Any:
        return cast(self.ev(node.expr, frame), node.type, self.resolver(frame))

    def ev_new_list(self, node: s.NewList, frame: Frame) -> Any:
        elem = node.type.args[0] if node.type.args else s.OBJECT
        resolve = self.resolver(frame)
        if node.type.key == "set":
            out_set = ApexSet(elem)
            source: list[Any] = [self.ev(i, frame) for i in node.items or []]
            if node.copy is not None:
                source = self._iterable(self.ev(node.copy, frame))
            for item in source:
                out_set.items[assign(item, elem, resolve)] = None
            return out_set
        out = ApexList(elem)
        if node.size is not None:
            size = self.ev(node.size, frame)
            if size is None:
                raise npe()
            if type(size) is not int or size < 0:
                raise throw("ListException", f"Invalid list size: {size}")
            out.extend([None] * size)
            return out
        if node.copy is not None:
            out.extend(assign(i, elem, resolve) for i in self._iterable(self.ev(node.copy, frame)))
        for item in node.items or []:
            out.append(assign(self.ev(item, frame), elem, resolve))
        return out

    def _iterable(self, value: Any) -> list[Any]:
        if value is None:
            raise npe()
        if isinstance(value, ApexList):
            return list(value)
        if isinstance(value, ApexSet):
            return list(value.items)
        raise Unsupported("collection constructor argument")

    def ev_new_map(self, node: s.NewMap, frame: Frame) -> Any:
        kt, vt = (*node.type.args, s.OBJECT, s.OBJECT)[:2]
        out = ApexMap(kt, vt)
        resolve = self.resolver(frame)
        if node.copy is not None:
            other = self.ev(node.copy, frame)
            if other is None:
                raise npe()
            if not isinstance(other, ApexMap):
                raise Unsupported("map constructor argument")
            out.update(other)
        for k, v in node.pairs:
            out[assign(self.ev(k, frame), kt, resolve)] = assign(self.ev(v, frame), vt, resolve)
        return out

    def when_matches(self, subject: Any, values: list[s.Node], frame: Frame) -> bool:
        for node in values:
            if isinstance(subject, EnumValue) and isinstance(node, s.Name):
                if node.name.upper() == subject.name:
                    return True
                continue
            value = self.ev(node, frame)
            if value is None:
                if subject is None:
                    return True
                continue
            if subject is not None and equals(subject, value) and (
                    type(subject) is not str or subject == value):
                return True
        return False
