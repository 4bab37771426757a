"""SQLite DATETIME text written by the hot path's processor vs SQLAlchemy's own, over any value."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

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
