"""The sample workspace a newcomer can load on first run (shipped as
resources/sample/workspace.yaml, read from the package with importlib.resources)."""

from __future__ import annotations

from pathlib import Path

from otp_bench import assets
from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.scenario.providers import ScenarioProviders
from otp_bench.scenario.workspace import apply_workspace


def sample_workspace() -> Path:
    """The shipped sample workspace file; ``assets.MissingResource`` if the install lacks it."""
    return assets.path("sample", "workspace.yaml")


def load_sample(engine: Engine, path: Path | None = None) -> None:
    """Apply the sample sites, providers and users to ``engine``'s workspace."""
    scenario = load_scenario(path or sample_workspace())
    providers = ScenarioProviders(engine)
    apply_workspace(engine, scenario, providers)
