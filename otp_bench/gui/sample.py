"""The first-run sample workspace: the shipped ``resources/sample/workspace.yaml`` applied to the
engine (``otp_bench.scenario.sample``). Runs on a worker: it writes to the store. A missing sample
file is an error the caller shows (``assets.MissingResource``), never a silent substitute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine


def load_sample_workspace(engine: Engine, mock: Any = None) -> None:
    """``mock``: the app's running LoopbackMock, which the sample's HTTP provider then uses."""
    from otp_bench.scenario.sample import load_sample

    load_sample(engine, mock=mock)
