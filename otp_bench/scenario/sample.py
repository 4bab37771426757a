"""The sample workspace a newcomer can load on first run (shipped as
resources/sample/workspace.yaml, read from the package with importlib.resources)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from otp_bench import assets
from otp_bench.engine.engine import Engine
from otp_bench.scenario.loader import load_scenario
from otp_bench.workspace_files.apply import apply_workspace
from otp_bench.workspace_files.providers import ScenarioProviders


def sample_workspace() -> Path:
    """The shipped sample workspace file; ``assets.MissingResource`` if the install lacks it."""
    return assets.path("sample", "workspace.yaml")


def load_sample(engine: Engine, path: Path | None = None, *, mock: Any = None) -> None:
    """Apply the sample sites, providers and users to ``engine``'s workspace. Its HTTP provider
    points at ``mock`` (the app's running loopback mock); without one, at a mock started and
    stopped here (the workspace is complete, its callouts then fail until a mock runs)."""
    scenario = load_scenario(path or sample_workspace())
    with ScenarioProviders(engine, mock) as providers:
        apply_workspace(engine, scenario, providers)
