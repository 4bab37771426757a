"""The statements an engine step runs, compiled once per dialect (``store.sql`` runs them).

An engine step writes a handful of small rows. Through ``Connection.execute`` each statement cost
50–100 µs of SQLAlchemy's per-call work (execution context, events, result wrapping), several
times the SQL itself, and a complete flow runs about thirty (bench/bench_engine.py). A
``Prepared`` keeps SQLAlchemy as the author of the SQL and of every type conversion: the Core
statement is compiled once per dialect and set of parameter names, together with the bind and
result processors of its column types, and each call only converts the values and runs the SQL
on the DBAPI connection underneath the step's ``Connection`` (so it joins the same transaction
as anything else the step runs through SQLAlchemy).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.sqltypes import JSON

Processor = Callable[[Any], Any]

_SQLITE_MINUTE_TEXT = "%04d-%02d-%02d %02d:%02d:"  # SQLAlchemy's storage format, in two parts
_SQLITE_SECOND_TEXT = "%s%02d.%06d"
_SQLITE_DEFAULT_FORMAT = SQLITE_DATETIME._storage_format


def _sqlite_datetime_bind(fallback: Processor) -> Processor:
    """SQLite's DATETIME bind processor, the same text as SQLAlchemy's default storage format
    (its wall-clock fields, the offset dropped) formatted from a tuple: SQLAlchemy's own builds
    a dict per value and cost about a fifth of a step's parameter conversion; the date, hour and
    minute formatted once per minute. (``isoformat``
    cut before the offset is slower for an aware datetime: it formats the offset first.)
    Anything but a ``datetime`` (None, a date, a wrong type and its error) goes to
    SQLAlchemy's processor."""
    # a step's dozen datetimes fall in the same minute: its text is kept, (minute, text), in
    # one slot replaced whole (threads never see one minute's key with another's text)
    minute: list[tuple[int, str]] = [(-1, "")]

    def process(value: Any) -> Any:
        if type(value) is datetime:
            key = value.minute + 60 * (value.hour + 24 * value.toordinal())
            kept = minute[0]
            if kept[0] != key:
                kept = minute[0] = (key, _SQLITE_MINUTE_TEXT % (
                    value.year, value.month, value.day, value.hour, value.minute))
            return _SQLITE_SECOND_TEXT % (kept[1], value.second, value.microsecond)
        return fallback(value)

    return process


def _sqlite_json_bind(serialize: Processor, fallback: Processor) -> Processor:
    """SQLite's JSON bind processor for a dict (an event's payload): the workspace's serializer
    called at once, as SQLAlchemy's processor calls it after its checks for its NULL markers,
    which a dict never is. Anything else goes to SQLAlchemy's processor."""

    def process(value: Any) -> Any:
        if type(value) is dict:
            return serialize(value)
        return fallback(value)

    return process


def _bind_processor(type_: Any, dialect: Dialect) -> Processor | None:
    impl = type_.dialect_impl(dialect)
    proc = impl.bind_processor(dialect)
    if proc is None or dialect.name != "sqlite":
        return proc  # type: ignore[no-any-return]
    if isinstance(impl, SQLITE_DATETIME) and impl._storage_format == _SQLITE_DEFAULT_FORMAT:
        return _sqlite_datetime_bind(proc)
    serialize = getattr(dialect, "_json_serializer", None)
    if (isinstance(impl, JSON) and serialize is not None
            and impl._str_impl.bind_processor(dialect) is None):
        return _sqlite_json_bind(serialize, proc)
    return proc  # type: ignore[no-any-return]


def _converter(items: Sequence[tuple[str, str, Processor | None]], make: str,
               env: dict[str, Any]) -> Callable[[Any], Any]:
    """A function of ``v`` answering ``make`` filled with the items, each ``label`` + an
    expression on ``v`` passed through its processor, if any. Written once per statement and
    compiled, so a call converts its values without a loop, an index list or a branch per value
    (a step converts about twenty statements' parameters and rows)."""
    parts = []
    for i, (label, expr, proc) in enumerate(items):
        if proc is not None:
            env[f"_p{i}"] = proc
            expr = f"_p{i}({expr})"
        parts.append(label + expr)
    return cast(Callable[[Any], Any], eval(f"lambda v: {make.format(', '.join(parts))}", env))


class _Compiled:
    """One statement compiled for one dialect and one set of parameter names."""

    def __init__(self, sql: str, positional: bool, names: list[str], keys: list[str],
                 defaults: dict[str, Any], processors: dict[int, Processor],
                 columns: list[Any]) -> None:
        self.sql = sql
        self.columns = columns  # the result columns (select list or RETURNING), in order
        env: dict[str, Any] = {"__builtins__": {}}
        items: list[tuple[str, str, Processor | None]] = []
        for at, key in enumerate(keys):
            if key in defaults:  # a literal the statement carries (e.g. ``+ 1``), never given
                env[f"_d{at}"] = defaults[key]
                expr = f"_d{at}"
            else:
                expr = f"v[{key!r}]"
            label = "" if positional else f"{names[at]!r}: "
            items.append((label, expr, processors.get(at)))
        # the driver's parameters from the caller's values by name: a tuple or a dict
        as_tuple = "({},)" if items else "()"  # "(,)" is no tuple
        self.args = _converter(items, as_tuple if positional else "{{{}}}", env)
        self._rows: Callable[[Any], Any] | None = None
        self._values: dict[int, str] = {}

    def values_sql(self, n: int) -> str:
        """A one-row INSERT … VALUES (…) as ``n`` rows' (positional parameters, row after row)."""
        found = self._values.get(n)
        if found is None:
            head, sep, row = self.sql.rpartition(" VALUES ")
            if not sep or not row.startswith("(") or not row.endswith(")"):
                raise ValueError(f"not a one-row INSERT … VALUES: {self.sql!r}")
            found = self._values[n] = head + sep + ", ".join([row] * n)
        return found

    def rows(self, dialect: Dialect, cursor: Any) -> list[Any]:
        raw = cursor.fetchall()
        convert = self._rows
        if convert is None:  # first use: the processors need the driver's type codes
            desc = cursor.description or ()
            env: dict[str, Any] = {"__builtins__": {}, "_Row": namedtuple(  # type: ignore[misc]
                "Row", [c.key for c in self.columns], rename=True)}
            convert = self._rows = _converter(
                [("", f"v[{i}]", col.type.dialect_impl(dialect).result_processor(dialect, d[1]))
                 for i, (col, d) in enumerate(zip(self.columns, desc, strict=False))],
                "_Row({})", env,
            )
        return [convert(r) for r in raw]


class Prepared:
    """One Core statement, compiled lazily per dialect and per set of parameter names."""

    def __init__(self, statement: ClauseElement, *, fixed: bool = False) -> None:
        self.statement = statement
        self._fixed = fixed  # its binds are all spelled out: compiled the same whatever is given
        self._compiled: dict[str, dict[tuple[str, ...], _Compiled]] = {}

    def compiled(self, dialect: Dialect, keys: Iterable[str]) -> _Compiled:
        """The statement for ``dialect`` and these parameter names (a caller's parameters
        themselves will do: looked up by their names in order, no set built per call)."""
        per_dialect = self._compiled.get(dialect.name)
        if per_dialect is None:
            per_dialect = self._compiled[dialect.name] = {}
        names = tuple(keys)
        found = per_dialect.get(names)
        if found is None:
            found = per_dialect[names] = self._compile(dialect, frozenset(names))
        return found

    def _compile(self, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
        comp = self.statement.compile(dialect=dialect,
                                      column_keys=None if self._fixed else sorted(keys))
        assert isinstance(comp, SQLCompiler)
        positional = bool(comp.positional)
        order = list(comp.positiontup or ()) if positional else list(comp.binds)
        escaped: Mapping[str, str] = comp.escaped_bind_names or {}
        names: list[str] = []
        params: list[str] = []
        defaults: dict[str, Any] = {}
        processors: dict[int, Processor] = {}
        for at, name in enumerate(order):
            bp = comp.binds[name]
            names.append(escaped.get(name, name))
            params.append(bp.key)
            if bp.key not in keys:
                defaults[bp.key] = bp.value
            proc = _bind_processor(bp.type, dialect)
            if proc is not None:
                processors[at] = proc
        columns = list(getattr(self.statement, "exported_columns", ()))
        return _Compiled(comp.string, positional, names, params, defaults, processors, columns)
