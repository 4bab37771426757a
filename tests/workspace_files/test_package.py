"""Workspace files as their own package: one parser of the workspace sections, a file that
round-trips through it, scenario files importable as workspaces, and the import arrows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import grimp
import pytest

from otp_bench import assets
from otp_bench.cli import main
from otp_bench.domain.vocabulary import Channel, DeliveryResult
from otp_bench.engine.clock import FrozenClock
from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.model import Scenario
from otp_bench.store.store import Store
from otp_bench.workspace_files.importer import import_workspace
from otp_bench.workspace_files.loader import load_workspace_file
from otp_bench.workspace_files.model import WorkspaceFile
from otp_bench.workspace_files.writer import export_workspace


def _engine(tmp_path: Path, name: str) -> Engine:
    return Engine(Store(f"sqlite:///{tmp_path / name}", throwaway=True), FrozenClock())


def test_a_workspace_file_round_trips_through_the_package(tmp_path: Path) -> None:
    first = _engine(tmp_path, "a.db")
    first.save_settings(replace(first.settings, custom_otp_enabled=True))
    first.new_provider("wa", result=DeliveryResult.SUCCESS, channel=Channel.WHATSAPP)
    site = first.new_site("Customers", handler="wa", url_prefix="cust")
    first.new_user("ana@example.com", mobile="+1 415 555 2671", sites=frozenset({site.id}))
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    summary = export_workspace(first.store, str(one))
    assert (summary.providers, summary.sites, summary.users) == (1, 1, 1)

    read = load_workspace_file(one)
    assert [s["name"] for s in read.sites] == ["Customers"]
    assert read.sites[0]["handler"] == "wa" and read.step_count == 0

    second = _engine(tmp_path, "b.db")
    report = import_workspace(second, read)
    assert (report.providers, report.sites, report.users) == (1, 1, 1)
    user = second.store.user_by_username("ana@example.com")
    assert user is not None and user.mobile == "+14155552671"
    export_workspace(second.store, str(two))
    assert one.read_text("utf-8") == two.read_text("utf-8")


def test_a_scenario_is_a_workspace_file_plus_steps() -> None:
    path = assets.path("scenarios", "provider_policies.yaml")
    scenario, workspace = load_scenario(path), load_workspace_file(path)
    assert isinstance(scenario, Scenario) and isinstance(scenario, WorkspaceFile)
    for section in ("settings", "providers", "sites", "users", "connected_apps"):
        assert getattr(scenario, section) == getattr(workspace, section), section
    assert workspace.step_count == len(scenario.steps) > 0


def test_workspace_import_of_a_scenario_file_applies_it_and_runs_no_step(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = assets.path("scenarios", "provider_policies.yaml")
    steps = len(load_scenario(path).steps)
    url = f"sqlite:///{tmp_path / 'target.db'}"
    code = main(["--db", url, "workspace", "import", str(path), "--no-prompt"])
    out = capsys.readouterr().out
    assert code == 0 and f"the file's {steps} step(s) were not run" in out
    store = Store(url)
    try:
        assert {s.name for s in store.sites()} == {s["name"] for s in load_scenario(path).sites}
        assert {e.kind for e in store.events(limit=10_000)} == {"workspace"}  # no flow ran
    finally:
        store.close()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("otp_bench")


@pytest.mark.parametrize(("importer", "imported"), [
    ("otp_bench.scenario", "otp_bench.export"),
    ("otp_bench.export", "otp_bench.scenario"),
    ("otp_bench.workspace_files", "otp_bench.scenario"),
    ("otp_bench.workspace_files", "otp_bench.export"),
])
def test_scenario_and_export_build_on_workspace_files_not_on_each_other(
        graph: grimp.ImportGraph, importer: str, imported: str) -> None:
    chain = graph.find_shortest_chain(importer=importer, imported=imported, as_packages=True)
    assert chain is None, " -> ".join(chain or ())


def test_the_mock_provider_never_imports_the_store_itself(graph: grimp.ImportGraph) -> None:
    mock = graph.find_children("otp_bench.mockprovider")
    direct = [m for m in mock if graph.direct_import_exists(
        importer=m, imported="otp_bench.store.store")]
    assert direct == []
