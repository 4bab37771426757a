"""YAML with positions and limits: the parsed data plus the line of every mapping key and item.

Error messages name file, line and field, so the loader keeps where each value came from. The
YAML comes from users and shared files, so loading is bounded before it is deep or big: the event
stream is checked first (nesting depth, alias count) without building anything, then the node
graph is turned into data here — not by PyYAML's constructor — counting every value produced, so
an alias bomb ("billion laughs") stops at the budget, an alias that contains itself is named, and
a mapping key must be a plain scalar. Each refusal is a ``YamlSyntaxError`` with the line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it: ~20x faster than the pure-Python one (a
# suite of scenario files loads in 0.04 s instead of 0.7 s), same events, nodes and marks
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_CHARS = 512 * 1024  # a scenario is a few KiB; this is far beyond any real one
MAX_DEPTH = 40  # nested mappings/lists; scenarios use fewer than 8
MAX_ALIASES = 200  # alias uses (*name) in one file
MAX_VALUES = 50_000  # values produced, aliases expanded: what a bomb multiplies


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    if len(text) > MAX_CHARS:
        raise YamlSyntaxError(1, f"the file is over {MAX_CHARS // 1024} KiB (the limit)")
    _check_flow_depth(text)
    try:
        _check_events(text)
        node = yaml.compose(text, Loader=_Loader)
        lines: dict[Path_, int] = {}
        data = _Builder(lines).build(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, f"YAML syntax: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML: {exc}") from None
    except RecursionError:  # not reachable past the depth check; kept as a last guard
        raise YamlSyntaxError(1, "YAML nested too deeply") from None
    return data, lines


# quoted strings and comments (their brackets don't nest), or one flow bracket
_FLOW = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|(?:^|(?<=\s))#[^\n]*|([\[\]{}])',
                   re.MULTILINE)


def _check_flow_depth(text: str) -> None:
    """``[[[[…`` nesting, before PyYAML's scanner sees it: its simple-key lookahead is
    quadratic in flow depth, so even the event stream would take minutes on a deep one."""
    depth = 0
    for m in _FLOW.finditer(text):
        bracket = m.group(1)
        if bracket is None:
            continue
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise YamlSyntaxError(line, f"nested more than {MAX_DEPTH} levels deep (the limit)")
        depth = max(depth, 0)


def _check_events(text: str) -> None:
    """Depth and alias count from the event stream (iterative: nothing is built yet)."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(_line(event), f"nested more than {MAX_DEPTH} levels deep "
                                      "(the limit)")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlSyntaxError(_line(event), f"more than {MAX_ALIASES} aliases (the "
                                      "limit)")


def _line(item: Any) -> int:
    mark = getattr(item, "start_mark", None)
    return mark.line + 1 if mark is not None else 1


class _Builder:
    """Node graph → Python data, bounded; records the line of each path on the way."""

    def __init__(self, lines: dict[Path_, int]) -> None:
        self.lines = lines
        self.values = 0
        self.scalars = yaml.SafeLoader("")  # its constructor resolves scalar tags (int, bool…)
        self.open: set[int] = set()  # nodes being built: meeting one again is a cycle

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise YamlSyntaxError(_line(node), f"expands to more than {MAX_VALUES} values (the "
                                  "limit) — an alias repeated too often?")
        self.lines.setdefault(path, _line(node))
        if isinstance(node, yaml.ScalarNode):
            return self.scalars.construct_object(node, deep=True)
        if id(node) in self.open:
            raise YamlSyntaxError(_line(node), "an alias refers to the value that contains it")
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            out: dict[Any, Any] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise YamlSyntaxError(_line(key), "a mapping key must be a plain value "
                                          "(text or a number), not a list or mapping")
                k = self.scalars.construct_object(key, deep=True)
                try:
                    hash(k)
                except TypeError:
                    raise YamlSyntaxError(_line(key), "a mapping key must be a plain value"
                                          ) from None
                self.lines[(*path, key.value)] = _line(key)
                out[k] = self.build(value, (*path, key.value))
            return out
        finally:
            self.open.discard(id(node))


def line_of(lines: dict[Path_, int], path: Path_) -> int:
    """The line of ``path``, or of its nearest ancestor that has one."""
    p = path
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get((), 1)
