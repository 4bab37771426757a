"""List, Set and Map methods. String keys and elements are case-sensitive (unlike ``==``);
``get`` out of range is ``System.ListException: List index out of bounds: N``."""

from __future__ import annotations

from typing import Any

from otp_bench.apex.conversions import assign
from otp_bench.apex.errors import Unsupported, npe, throw
from otp_bench.apex.lib import method
from otp_bench.apex.ops import equals, to_string, type_name
from otp_bench.apex.values import ApexList, ApexMap, ApexSet, Long, hashable


def _index(lst: ApexList, i: Any) -> int:
    if i is None:
        raise npe()
    if type(i) not in (int, Long):
        raise Unsupported(f"List index of type {type_name(i)}")
    if not 0 <= i < len(lst):
        raise throw("ListException", f"List index out of bounds: {i}")
    return int(i)


def _put(rt: Any, coll: ApexList | ApexSet, value: Any) -> Any:
    return assign(value, coll.elem, rt.resolver(None)) if value is not None else None


def _items(value: Any) -> list[Any]:
    if value is None:
        raise npe()
    if isinstance(value, ApexList):
        return list(value)
    if isinstance(value, ApexSet):
        return list(value.items)
    raise Unsupported(f"a {type_name(value)} where a collection is expected")


# ---------------------------------------------------------------------------- List

L = ApexList
method(L, "size", 0)(lambda rt, lst: len(lst))
method(L, "isEmpty", 0)(lambda rt, lst: not lst)
method(L, "get", 1)(lambda rt, lst, i: lst[_index(lst, i)])
method(L, "clear", 0)(lambda rt, lst: lst.clear())
method(L, "contains", 1)(lambda rt, lst, v: any(_same(x, v) for x in lst))
method(L, "indexOf", 1)(lambda rt, lst, v: next((i for i, x in enumerate(lst) if _same(x, v)), -1))
method(L, "clone", 0)(lambda rt, lst: ApexList(lst.elem, lst))
method(L, "deepClone", 0)(lambda rt, lst: ApexList(lst.elem, lst))
method(L, "equals", 1)(lambda rt, lst, other: equals(lst, other))
method(L, "toString", 0)(lambda rt, lst: to_string(lst))
method(L, "iterator", 0)(lambda rt, lst: _unsupported("List.iterator"))


def _unsupported(what: str) -> Any:
    raise Unsupported(what)


def _same(a: Any, b: Any) -> bool:
    """Collection membership: Strings compare case-sensitively."""
    if type(a) is str and type(b) is str:
        return a == b
    return equals(a, b)


@method(L, "add", 1)
def list_add(rt: Any, lst: ApexList, value: Any) -> None:
    lst.append(_put(rt, lst, value))


@method(L, "add", 2)
def list_insert(rt: Any, lst: ApexList, i: Any, value: Any) -> None:
    if i is None:
        raise npe()
    if not 0 <= i <= len(lst):
        raise throw("ListException", f"List index out of bounds: {i}")
    lst.insert(i, _put(rt, lst, value))


@method(L, "addAll", 1)
def list_add_all(rt: Any, lst: ApexList, values: Any) -> None:
    lst.extend(_put(rt, lst, v) for v in _items(values))


@method(L, "set", 2)
def list_set(rt: Any, lst: ApexList, i: Any, value: Any) -> None:
    lst[_index(lst, i)] = _put(rt, lst, value)


@method(L, "remove", 1)
def list_remove(rt: Any, lst: ApexList, i: Any) -> Any:
    return lst.pop(_index(lst, i))


@method(L, "sort", 0)
def list_sort(rt: Any, lst: ApexList) -> None:
    kinds = {type(x) for x in lst if x is not None}
    if len(kinds) > 1 or (not kinds <= {str, int, Long, float, bool} and not all(
            hasattr(x, "as_tuple") for x in lst if x is not None)):
        raise Unsupported("List.sort of objects (Comparable) or mixed types")
    lst.sort(key=lambda x: (x is not None, x))


# ---------------------------------------------------------------------------- Set

S = ApexSet
method(S, "size", 0)(lambda rt, st: len(st.items))
method(S, "isEmpty", 0)(lambda rt, st: not st.items)
method(S, "contains", 1)(lambda rt, st, v: hashable(v) in st.items)
method(S, "containsAll", 1)(lambda rt, st, vs: all(hashable(v) in st.items for v in _items(vs)))
method(S, "clear", 0)(lambda rt, st: st.items.clear())
method(S, "clone", 0)(lambda rt, st: ApexSet(st.elem, st.items))
method(S, "equals", 1)(lambda rt, st, other: equals(st, other))
method(S, "toString", 0)(lambda rt, st: to_string(st))


@method(S, "add", 1)
def set_add(rt: Any, st: ApexSet, value: Any) -> bool:
    key = hashable(_put(rt, st, value))
    if key in st.items:
        return False
    st.items[key] = None
    return True


@method(S, "addAll", 1)
def set_add_all(rt: Any, st: ApexSet, values: Any) -> bool:
    changed = False
    for v in _items(values):
        changed = set_add(rt, st, v) or changed
    return changed


@method(S, "remove", 1)
def set_remove(rt: Any, st: ApexSet, value: Any) -> bool:
    return st.items.pop(hashable(value), 0) is None


@method(S, "removeAll", 1)
def set_remove_all(rt: Any, st: ApexSet, values: Any) -> bool:
    before = len(st.items)
    for v in _items(values):
        st.items.pop(hashable(v), None)
    return len(st.items) != before


@method(S, "retainAll", 1)
def set_retain_all(rt: Any, st: ApexSet, values: Any) -> bool:
    keep = {hashable(v) for v in _items(values)}
    before = len(st.items)
    st.items = {k: None for k in st.items if k in keep}
    return len(st.items) != before


# ---------------------------------------------------------------------------- Map

M = ApexMap
method(M, "size", 0)(lambda rt, m: len(m))
method(M, "isEmpty", 0)(lambda rt, m: not m)
method(M, "get", 1)(lambda rt, m, k: m.get(hashable(k)))
method(M, "containsKey", 1)(lambda rt, m, k: hashable(k) in m)
method(M, "remove", 1)(lambda rt, m, k: m.pop(hashable(k), None))
method(M, "clear", 0)(lambda rt, m: m.clear())
method(M, "keySet", 0)(lambda rt, m: ApexSet(m.key, m.keys()))
method(M, "values", 0)(lambda rt, m: ApexList(m.value, m.values()))
method(M, "equals", 1)(lambda rt, m, other: equals(m, other))
method(M, "toString", 0)(lambda rt, m: to_string(m))


@method(M, "put", 2)
def map_put(rt: Any, m: ApexMap, key: Any, value: Any) -> Any:
    resolve = rt.resolver(None)
    k = hashable(assign(key, m.key, resolve)) if key is not None else None
    old = m.get(k)
    m[k] = assign(value, m.value, resolve) if value is not None else None
    return old


@method(M, "putAll", 1)
def map_put_all(rt: Any, m: ApexMap, other: Any) -> None:
    if other is None:
        raise npe()
    if not isinstance(other, ApexMap):
        raise Unsupported("Map.putAll of a non-Map")
    for k, v in other.items():
        map_put(rt, m, k, v)


@method(M, "clone", 0)
def map_clone(rt: Any, m: ApexMap) -> ApexMap:
    out = ApexMap(m.key, m.value)
    out.update(m)
    return out
