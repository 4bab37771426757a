"""No planted secret or OTP in any export — HAR, JSON Lines, report, workspace YAML — unless
the operator chose to reveal (and then only in the HAR, with a warning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from otp_bench.cli import main
from tests.export.conftest import API_KEY, BASIC, CANARIES, OTP, Planted

EXPORTS = (
    ("export", "har", "callouts.har"),
    ("export", "events", "events.jsonl"),
    ("export", "report", "report.md"),
    ("workspace", "export", "workspace.yaml"),
)


def test_no_canary_in_any_export(planted: Planted, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    for group, what, name in EXPORTS:
        assert main(["--db", planted.url, group, what, str(out / name)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(name for *_, name in EXPORTS)
    for path in out.iterdir():
        text = path.read_text("utf-8")
        for canary in CANARIES:
            assert canary not in text, f"{canary} leaked into {path.name}"
    captured = capsys.readouterr()
    for canary in CANARIES:
        assert canary not in captured.out + captured.err


def test_reveal_puts_secrets_in_the_har_only_and_warns(planted: Planted, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    har = tmp_path / "revealed.har"
    assert main(["--db", planted.url, "export", "har", str(har), "--reveal"]) == 0
    text = har.read_text("utf-8")
    assert API_KEY in text and BASIC in text and OTP in text
    captured = capsys.readouterr()
    assert "unredacted" in captured.err
    assert "NOT sanitized" in captured.out
