"""New workspaces copy a template: exactly the schema `alembic upgrade head` makes, fast."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from otp_bench.store import schema_template
from otp_bench.store.db import _MIGRATIONS, head_revision, open_engine
from otp_bench.store.store import Store


def _schema(path: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str]]]:
    con = sqlite3.connect(path)
    try:
        objects = con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
        version = con.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        con.close()
    return objects, version


@pytest.fixture
def own_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "templates"
    monkeypatch.setenv(schema_template.TEMPLATE_DIR_ENV, str(where))
    return where


def test_a_new_workspace_has_exactly_the_migrated_schema(
    tmp_path: Path, own_templates: Path
) -> None:
    migrated = tmp_path / "migrated.db"
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{migrated}")
    command.upgrade(cfg, "head")  # the real thing, not our shortcut

    copied = tmp_path / "copied.db"
    open_engine(f"sqlite:///{copied}").dispose()

    assert _schema(copied) == _schema(migrated)
    assert _schema(copied)[1] == [(head_revision(),)]
    assert list(own_templates.glob("workspace-*.db")) == [schema_template.template_path()]


def test_a_new_workspace_runs_no_migration_once_the_template_exists(
    tmp_path: Path, own_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(f"sqlite:///{tmp_path / 'warm.db'}", throwaway=True).close()  # builds the template

    def no_migrations(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a new workspace ran the migrations instead of copying the template")

    # running the migrations is what made a new workspace slow (the figure is printed by
    # bench/bench_engine.py); a copy of the template must not need them
    monkeypatch.setattr(command, "upgrade", no_migrations)
    Store(f"sqlite:///{tmp_path / 'new.db'}", throwaway=True).close()
    assert _schema(tmp_path / "new.db")[1] == [(head_revision(),)]


def test_an_edited_migration_builds_a_new_template(
    own_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = schema_template.template_path()
    monkeypatch.setattr(schema_template, "schema_key", lambda: "edited")
    assert schema_template.template_path() != first


def test_an_existing_workspace_keeps_its_data(tmp_path: Path, own_templates: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    store = Store(url, throwaway=True)
    from otp_bench.domain.model import Settings

    store.save_settings(Settings(custom_otp_enabled=True))
    store.close()
    again = Store(url, throwaway=True)
    assert again.settings().custom_otp_enabled
    again.close()


def test_an_empty_file_counts_as_new(tmp_path: Path, own_templates: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    open_engine(f"sqlite:///{path}").dispose()
    assert _schema(path)[1] == [(head_revision(),)]
