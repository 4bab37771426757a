"""SQLite DATETIME and JSON text written by the hot path's processors vs SQLAlchemy's own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects import sqlite

from otp_bench.store.db import _json_text
from otp_bench.store.prepared import _bind_processor

_DIALECT = sqlite.dialect()
_OURS = _bind_processor(DateTime(timezone=True), _DIALECT)
_THEIRS = DateTime(timezone=True).dialect_impl(_DIALECT).bind_processor(_DIALECT)

_OFFSETS = st.one_of(
    st.none(),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
        lambda m: timezone(timedelta(minutes=m))),
)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=_OFFSETS))
def test_any_datetime_is_written_as_sqlalchemy_writes_it(value: datetime) -> None:
    """Naive or with any offset, any year, with or without microseconds: the same text, so
    rows written by either path compare, sort and read back alike."""
    assert _OURS is not None and _THEIRS is not None
    assert _OURS(value) == _THEIRS(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.datetimes(timezones=_OFFSETS),
                          st.integers(min_value=0, max_value=200_000_000)), max_size=12))
def test_datetimes_in_the_same_minute_and_the_next_are_written_as_sqlalchemy_writes_them(
    runs: list[tuple[datetime, int]],
) -> None:
    """A step's datetimes in a row, microseconds to minutes apart (the minute's text is kept
    between them), each written as SQLAlchemy writes it."""
    assert _OURS is not None and _THEIRS is not None
    for start, micros in runs:
        later = start + timedelta(microseconds=micros) if start.year < 9999 else start
        for value in (start, later, start):
            assert _OURS(value) == _THEIRS(value)


_WORKSPACE = sqlite.dialect(json_serializer=_json_text)  # as db.open_engine makes it
_JSON_OURS = _bind_processor(JSON(), _WORKSPACE)
_JSON_THEIRS = JSON().dialect_impl(_WORKSPACE).bind_processor(_WORKSPACE)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _VALUES, max_size=6) | _VALUES)
def test_any_json_value_is_written_as_sqlalchemy_writes_it(value: Any) -> None:
    """A payload dict (the fast path) or anything else (SQLAlchemy's): the same text; big
    integers included, which orjson refuses and json writes."""
    assert _JSON_OURS is not None and _JSON_THEIRS is not None
    assert "_sqlite_json_bind" in _JSON_OURS.__qualname__  # the fast path is what is tested
    assert _JSON_OURS(value) == _JSON_THEIRS(value)


def test_nulls_and_blobs_bind_as_the_driver_binds_them() -> None:
    """The identity adapters for None, bytes and memoryview (store.db) change nothing stored."""
    import sqlite3

    import otp_bench.store.db  # noqa: F401  (registers them)

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (a, b, c, d)")
    con.execute("INSERT INTO t VALUES (?, ?, ?, ?)",
                (None, b"\x00\xffseal", b"", memoryview(b"\x01salt")))
    assert con.execute("SELECT typeof(a), typeof(b), typeof(c), typeof(d), b, c, d FROM t"
                       ).fetchone() == ("null", "blob", "blob", "blob", b"\x00\xffseal", b"",
                                        b"\x01salt")
