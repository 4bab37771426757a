"""The database password never shows: not in banners, errors, status text, logs or reprs.

The test server trusts loopback connections, so a URL carrying a password still connects: every
command below really opens the workspace with the password in its URL, and its whole output is
searched for the password.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import make_url

from otp_bench.cli import main
from otp_bench.domain.workspace import Workspace
from otp_bench.store.store import Store

PASSWORD = "Pw-7f3q/x@y:z"  # URL-special characters on purpose


def _with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def test_a_workspace_prints_without_its_password() -> None:
    ws = Workspace.parse("postgresql://bench:s%40cret@db.example:5432/team")
    assert ws.url == "postgresql+psycopg://bench:s%40cret@db.example:5432/team"
    assert ws.password == "s@cret"
    for shown in (str(ws), repr(ws), ws.display, ws.short, f"{ws}", ws.scrub(f"failed: {ws.url}")):
        assert "s@cret" not in shown and "s%40cret" not in shown
    assert ws.display == "postgresql+psycopg://bench:***@db.example:5432/team"
    assert ws.short == "team@db.example"
    assert Workspace.parse("/tmp/x/ws.db").display == "/tmp/x/ws.db"
    assert Workspace.parse("sqlite:///:memory:").display == "sqlite:///:memory:"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=4, max_size=30))
def test_no_password_survives_display_or_scrub(pw: str) -> None:
    url = make_url("postgresql+psycopg://u@h:5432/d").set(password=pw).render_as_string(
        hide_password=False)
    ws = Workspace.parse(url)
    assert ws.password == pw
    assert pw not in ws.display.replace("postgresql+psycopg://u:", "").replace("@h:5432/d", "")
    assert pw not in ws.scrub(f"error near {pw} in {url}")


def test_commands_on_a_postgresql_workspace_never_print_the_password(
    pg_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    url = _with_password(pg_url)
    caplog.set_level(logging.DEBUG)
    store = Store(url)
    assert PASSWORD not in f"{store.workspace} {store.workspace!r} {store.secrets_locked}"
    store.close()
    assert main(["workspace", "key", "status", "--db", url]) == 0
    assert main(["export", "events", str(tmp_path / "events.jsonl"), "--db", url]) == 0
    wrong = make_url(url).set(database="no_such_db").render_as_string(hide_password=False)
    assert main(["workspace", "key", "status", "--db", wrong]) == 2
    out = capsys.readouterr()
    assert "can't open workspace" in out.err and "no_such_db" in out.err
    for text in (out.out, out.err, caplog.text):
        assert PASSWORD not in text and "Pw-7f3q" not in text


def test_the_headless_banner_hides_the_password(
    pg_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``otp-bench headless`` on the workspace, bound to a real port, stopped by Ctrl-C as soon
    as it would serve. In this process (a real one costs ~1.3 CPU-s to start; tests/headless/
    test_cli.py runs that path): the banner is all the command prints before serving."""
    from otp_bench.headless.server import HeadlessServer

    def ctrl_c(server: HeadlessServer) -> None:
        server.stop()  # the port closed, as the process's exit would
        raise KeyboardInterrupt

    monkeypatch.setattr(HeadlessServer, "serve_forever", ctrl_c)
    caplog.set_level(logging.DEBUG)
    url = _with_password(pg_url)
    assert main(["headless", "--port", "0", "--db", url]) == 0
    out = capsys.readouterr()
    banner = out.out.splitlines()[0]  # the first line names the workspace
    assert "Headless identity API on http://127.0.0.1:" in banner
    assert "otp:***@127.0.0.1" in banner
    for text in (out.out, out.err, caplog.text):
        assert "Pw-7f3q" not in text
