"""The sample workspace a newcomer can load on first run (resources/sample/workspace.yaml)."""

from __future__ import annotations

from pathlib import Path

from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.providers import ScenarioProviders
from otp_bench.scenario.workspace import apply_workspace

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SAMPLE_WORKSPACE = RESOURCES / "sample" / "workspace.yaml"


def load_sample(engine: Engine, path: Path = SAMPLE_WORKSPACE) -> None:
    """Apply the sample sites, providers and users to ``engine``'s workspace."""
    scenario = load_scenario(path)
    providers = ScenarioProviders(engine)
    apply_workspace(engine, scenario, providers)
