"""The shipped scenarios pass on a PostgreSQL workspace too (the PostgreSQL run of make test)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from otp_bench.scenario.cli import run_files
from tests import backends

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "resources" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("file", SHIPPED, ids=lambda p: p.stem)
def test_a_shipped_scenario_passes_in_a_postgresql_workspace(
    file: Path, request: pytest.FixtureRequest
) -> None:
    if backends.selected_backend() != "postgresql":
        pytest.skip("the SQLite run covers the shipped scenarios in test_cli")
    url = request.getfixturevalue("pg_url")
    out = io.StringIO()
    assert run_files([str(file)], db_url=url, quiet=True, out=out) == 0, out.getvalue()
