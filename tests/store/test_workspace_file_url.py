"""A workspace file in a folder whose name SQLAlchemy's URLs would misread is that file."""

from __future__ import annotations

from pathlib import Path

from otp_bench.domain.workspace import Workspace, sqlite_url
from otp_bench.store.db import sqlite_path
from otp_bench.store.store import Store


def test_a_workspace_in_a_folder_with_a_question_mark_is_that_file(tmp_path: Path) -> None:
    folder = tmp_path / "what?"
    folder.mkdir()
    store = Store(sqlite_url(folder / "w.db"), throwaway=True)
    store.close()
    assert [p.name for p in folder.iterdir() if p.suffix == ".db"] == ["w.db"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["what?"]  # no stray "what" file


def test_the_store_reads_the_path_back_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "50%41 ?" / "w.db"
    assert sqlite_path(Workspace.parse(str(path)).url) == path
