"""Every CLI command refuses a workspace it can't use with one clear line and exit 2 (P9).

Reproduced first on the landed build: a newer schema gave Alembic's CommandError, damaged pages a
DatabaseError, a locked database a traceback after 10-12 s, and another application's SQLite file
got 9 of our tables before the failure. Now: nothing is written to any of these files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from otp_bench.cli import main
from tests.hardening.workspaces import EXPECTED, KINDS, damaged


def _commands(db: str, out: Path) -> dict[str, list[str]]:
    scenario = Path(__file__).parents[2] / "resources" / "scenarios"
    first = sorted(scenario.glob("*.yaml"))[0]
    return {
        "run": ["run", "--db", db, "-q", str(first)],
        "export har": ["export", "har", "--db", db, str(out / "x.har")],
        "export events": ["export", "events", "--db", db, str(out / "x.jsonl")],
        "export report": ["export", "report", "--db", db, str(out / "x.md")],
        "export apex": ["export", "apex", "--db", db, "prov", str(out / "apex")],
        "workspace export": ["workspace", "export", "--db", db, str(out / "w.yaml")],
        "workspace import": ["workspace", "import", "--db", db, "--no-prompt",
                             str(out / "in.yaml")],
        "headless": ["headless", "--port", "0", "--db", db],
        "mock-provider": ["mock-provider", "--port", "0", "--db", db],
    }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", KINDS)
def test_every_command_refuses_with_one_line_and_exit_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 9 commands each wait out the lock: a short wait (a longer one has its test below)
    monkeypatch.setenv("OTP_BENCH_LOCK_WAIT", "0.05")
    (tmp_path / "in.yaml").write_text("sites: []\n")
    with damaged(kind, tmp_path / "ws.db") as db:
        before = _digest(db)
        for name, argv in _commands(str(db), tmp_path).items():
            code = main(argv)
            err = capsys.readouterr().err
            lines = [ln for ln in err.splitlines() if ln.strip() and "waiting up to" not in ln]
            assert code == 2, f"{name}: exit {code}\n{err}"
            assert "Traceback" not in err, f"{name}:\n{err}"
            assert len(lines) == 1, f"{name}: not one line:\n{err}"
            assert EXPECTED[kind] in lines[0], f"{name}: {lines[0]}"
            assert str(db) in lines[0]
            if kind != "locked":  # the lock holder's own write is its business
                assert _digest(db) == before, f"{name} changed the file"


def test_locked_names_the_holding_process(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.hardening.workspaces import locked

    # long enough for a second look after the first (each waits 0.25 s for the lock at most)
    monkeypatch.setenv("OTP_BENCH_LOCK_WAIT", "1")
    with locked(tmp_path / "ws.db") as proc:
        code = main(["workspace", "export", "--db", str(tmp_path / "ws.db"),
                     str(tmp_path / "w.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"locked by process {proc.pid} (python" in err
    assert "waiting up to 1 s" in err  # progress while it waits
    assert "waited 1 s" in err.splitlines()[-1]


def test_foreign_file_gets_no_tables(tmp_path: Path) -> None:
    import sqlite3
    from contextlib import closing

    from tests.hardening.workspaces import foreign

    db = foreign(tmp_path / "notes.db")
    main(["workspace", "export", "--db", str(db), str(tmp_path / "w.yaml")])
    with closing(sqlite3.connect(db)) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"notes", "tags"}
