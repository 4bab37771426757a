"""Opening a workspace from several processes at once, on SQLite and PostgreSQL.

Migrations take a lock: three processes opening a fresh database together all succeed, and it
ends up migrated once. A PostgreSQL URL without its driver gets a message, not a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from otp_bench.store.db import _MIGRATIONS, StoreError, open_engine
from tests import backends
from tests.store.procs import ROOT, Child, run_together

OPEN = """
    import json, sys
    from otp_bench.store.store import Store
    print("ready", flush=True)
    sys.stdin.readline()
    store = Store({url!r}, throwaway=True)
    print(json.dumps(len(store.sites())))
    store.close()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has opened yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server: backends.PgServer = request.getfixturevalue("pg_server")
    url = server.empty_database()
    yield url
    server.drop(url)


def _head() -> str | None:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_three_processes_open_a_fresh_database_at_once(fresh_url: str) -> None:
    results = run_together([Child(OPEN.format(url=fresh_url)) for _ in range(3)])
    assert results == [0, 0, 0]
    raw = create_engine(fresh_url)
    with raw.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            _head()
        ]
    raw.dispose()


def test_a_postgresql_url_without_its_driver_is_a_message() -> None:
    # psycopg made unimportable in a child: the message names the extra to install
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from otp_bench.store.db import open_engine, StoreError\n"
        "try:\n"
        "    open_engine('postgresql+psycopg://bench:s3cret-pw@127.0.0.1:1/x')\n"
        "except StoreError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=True)
    assert "pip install 'otp-bench[postgres]'" in out.stdout
    assert "s3cret-pw" not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_an_unreachable_server_is_a_message_without_the_password() -> None:
    with pytest.raises(StoreError) as err:
        open_engine("postgresql+psycopg://bench:s3cret-pw@127.0.0.1:1/x?connect_timeout=2")
    assert "can't open workspace" in str(err.value)
    assert "s3cret-pw" not in str(err.value)
    assert "bench:***@127.0.0.1:1/x" in str(err.value)
