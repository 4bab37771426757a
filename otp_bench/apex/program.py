"""A loaded Apex program: every class of a source parsed once (cached by content hash), linked.

``load_program`` raises ``ApexLoadError`` listing every diagnostic of every file when anything
doesn't parse or isn't interpreted by the bench, so nothing half-understood ever runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from otp_bench.apex import syntax as s
from otp_bench.apex.classes import BUILTIN_EXCEPTIONS, EXCEPTION, ClassInfo
from otp_bench.apex.diagnostics import ApexLoadError, Diagnostic
from otp_bench.apex.parser import Builder, parse_tree, syntax_errors
from otp_bench.apex.source import ApexSource

HANDLER_INTERFACE = "auth.customonetimepassworddeliveryhandler"
_CACHE_SIZE = 32


@dataclass
class ApexProgram:
    source: ApexSource
    classes: dict[str, ClassInfo]  # top-level, lower-cased name
    all_classes: list[ClassInfo]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # class key -> file
    by_decl: dict[int, ClassInfo] = field(default_factory=dict)  # id(ClassDecl) -> its class
    # (id(name node), id(class)) -> what a Name/FieldGet chain names when it isn't a value
    static_refs: dict[tuple[int, int], Any] = field(default_factory=dict)
    resolved: dict[tuple[tuple[str, ...], int], ClassInfo | None] = field(default_factory=dict)

    def resolve(self, parts: tuple[str, ...], context: ClassInfo | None = None) -> ClassInfo | None:
        """A user or built-in exception class by (possibly qualified) name, from ``context``."""
        cache_key = (parts, id(context))
        try:
            return self.resolved[cache_key]
        except KeyError:
            found = self._resolve(parts, context)
            self.resolved[cache_key] = found
            return found

    def _resolve(self, parts: tuple[str, ...], context: ClassInfo | None) -> ClassInfo | None:
        keys = [p.lower() for p in parts]
        if keys[0] == "system" and len(keys) == 2:
            return BUILTIN_EXCEPTIONS.get(keys[1])
        first: ClassInfo | None = None
        ctx = context
        while ctx is not None and first is None:
            first = ctx if ctx.key == keys[0] else ctx.inner.get(keys[0])
            ctx = ctx.outer
        if first is None:
            first = self.classes.get(keys[0])
        if first is None:
            return BUILTIN_EXCEPTIONS.get(keys[0]) if len(keys) == 1 else None
        for key in keys[1:]:
            nxt = first.inner.get(key)
            if nxt is None:
                return None
            first = nxt
        return first


_cache: OrderedDict[str, ApexProgram | ApexLoadError] = OrderedDict()
_cache_lock = threading.Lock()


def parse_source(source: ApexSource) -> tuple[list[s.ClassDecl], list[Diagnostic]]:
    decls: list[s.ClassDecl] = []
    diags: list[Diagnostic] = []
    for path, text in source.files.items():
        file = path.rsplit("/", 1)[-1]
        tree = parse_tree(text)
        errors = syntax_errors(file, tree.root_node)
        diags.extend(errors)
        builder = Builder(file, diags)
        decls.extend(builder.file_classes(tree.root_node))
    return decls, diags


def load_program(source: ApexSource) -> ApexProgram:
    """Parse and link; cached by content, so a second call with the same files costs a hash."""
    digest = source.digest
    with _cache_lock:
        hit = _cache.get(digest)
        if hit is not None:
            _cache.move_to_end(digest)
    if hit is None:
        hit = _load(source)
        with _cache_lock:
            _cache[digest] = hit
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if isinstance(hit, ApexLoadError):
        raise hit
    return hit


def _load(source: ApexSource) -> ApexProgram | ApexLoadError:
    from otp_bench.apex.checker import check_program

    decls, diags = parse_source(source)
    program = link(source, decls, diags)
    try:
        diags.extend(check_program(program))
    except Exception as exc:  # a bug of the check: named as ours, never a traceback
        first = next(iter(source.files), "?").rsplit("/", 1)[-1]
        diags.append(Diagnostic(first, 1, 1, "otp-bench internal error in the whole-file check "
                                f"({type(exc).__name__}); nothing was run"))
    program.diagnostics = sorted(set(diags), key=lambda d: (d.file, d.line, d.col, d.message))
    if program.diagnostics:
        return ApexLoadError(program.diagnostics)
    return program


def link(source: ApexSource, decls: list[s.ClassDecl], diags: list[Diagnostic]) -> ApexProgram:
    classes: dict[str, ClassInfo] = {}
    all_classes: list[ClassInfo] = []
    program = ApexProgram(source, classes, all_classes)

    def build(decl: s.ClassDecl, outer: ClassInfo | None) -> ClassInfo:
        info = ClassInfo(decl.name, decl.qualified, decl)
        info.outer = outer
        all_classes.append(info)
        program.by_decl[id(decl)] = info
        for f in decl.fields:
            info.fields[f.key] = f
            (info.static_fields if f.static else info.instance_fields).append(f)
        for key, inner in decl.inner.items():
            info.inner[key] = build(inner, info)
        return info

    for decl in decls:
        if decl.key in classes:
            diags.append(Diagnostic(decl.file, decl.line, 1, f"duplicate class {decl.name}"))
            continue
        classes[decl.key] = build(decl, None)
        program.files[decl.key] = decl.file
    for info in all_classes:
        if info.decl is None:
            continue
        decl = info.decl
        if decl.superclass is not None:
            sup = program.resolve(decl.superclass.parts, info.outer or info)
            if sup is None:
                diags.append(Diagnostic(decl.file, decl.line, 1,
                                        f"unknown superclass {decl.superclass}"))
            else:
                info.superclass = sup
        elif decl.kind == "class" and decl.key.endswith("exception"):
            diags.append(Diagnostic(decl.file, decl.line, 1,
                                    f"{decl.name}: an exception class must extend Exception"))
        for iface in decl.interfaces:
            found = program.resolve(iface.parts, info.outer or info)
            if found is not None:
                info.interfaces.append(found)
            else:
                info.interface_names.add(iface.qualified)
                info.interface_names.add(iface.key)
    for info in all_classes:
        if info.superclass is not None and info.superclass is not EXCEPTION and \
                info.superclass.decl is None and info.decl is not None:
            # extends a system exception: fine (e.g. extends CalloutException is not allowed in
            # Apex, but extending Exception is): refuse what Apex refuses.
            diags.append(Diagnostic(info.decl.file, info.decl.line, 1,
                                    f"{info.name}: system exception types can't be extended"))
    return program


def find_handler_classes(program: ApexProgram) -> list[str]:
    """Top-level or inner classes implementing Auth.CustomOneTimePasswordDeliveryHandler."""
    return [c.qualified for c in program.all_classes
            if c.kind == "class" and not (c.decl and c.decl.abstract)
            and c.implements(HANDLER_INTERFACE)]
