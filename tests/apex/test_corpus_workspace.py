"""An Apex provider and users' locales survive a workspace file: export (secrets as
placeholders), import into a fresh workspace (re-entered secrets), and the handler still runs."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("tree_sitter_language_pack", reason="the apex extra isn't installed")

from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.store.store import Store
from otp_bench.workspace_files.apply import apply_workspace
from otp_bench.workspace_files.importer import import_workspace, placeholders
from otp_bench.workspace_files.providers import ScenarioProviders
from otp_bench.workspace_files.writer import PLACEHOLDER, export_workspace

CORPUS = Path(__file__).parent / "corpus"


def test_an_apex_provider_and_locales_round_trip_through_a_workspace_file(
        tmp_path: Path) -> None:
    scenario = load_scenario(CORPUS / "locale_webhook.yaml")
    first = Engine(Store(f"sqlite:///{tmp_path / 'a.db'}", throwaway=True))
    try:
        with ScenarioProviders(first) as providers:
            apply_workspace(first, scenario, providers)
        out = tmp_path / "ws.yaml"
        export_workspace(first.store, str(out))
    finally:
        first.close()
    text = out.read_text()
    assert "webhook-key-0123456789abcdef" not in text  # the named credential's password
    assert PLACEHOLDER in text and "apex:" in text and "locale: de" in text
    loaded = load_scenario(out)
    assert placeholders(loaded) == {"webhook-apex": ("Webhook.password",)}
    second = Engine(Store(f"sqlite:///{tmp_path / 'b.db'}", throwaway=True))
    try:
        report = import_workspace(second, loaded, {"webhook-apex": {
            "Webhook.password": "webhook-key-0123456789abcdef"}})
        assert report.missing_credentials == {}
        p = second.store.provider_by_name("webhook-apex")
        assert p is not None and p.apex is not None
        assert p.apex.source == str(CORPUS / "LocaleWebhookHandler.cls")
        assert p.credentials == {"Webhook.password": "webhook-key-0123456789abcdef"}
        jonas = second.store.user_by_username("jonas@example.com")
        assert jonas is not None and jonas.locale == "de"
    finally:
        second.close()
