"""A SQLite workspace file's URL names that file, whatever its path holds: SQLAlchemy reads the
same path back, and so does ``Workspace.sqlite_path`` (what banners, recent lists and the
store use)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from otp_bench.domain.workspace import Workspace, sqlite_url

_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
                 min_size=1, max_size=20).filter(lambda n: n not in (".", ".."))


@pytest.mark.parametrize("folder", ["q?x", "50% done", "a%41b", "team #2", "ünï cödé", "a b"])
def test_a_path_as_typed_names_that_file(folder: str, tmp_path: Path) -> None:
    path = tmp_path / folder / "w.db"
    ws = Workspace.parse(str(path))
    assert make_url(ws.url).database == str(path)
    assert ws.sqlite_path == path
    assert ws.display == str(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=3))
def test_any_path_round_trips_through_sqlalchemy(parts: list[str]) -> None:
    path = Path("/", *parts, "w.db")
    url = sqlite_url(path)
    assert make_url(url).database == str(path)
    assert Workspace(url).sqlite_path == path
