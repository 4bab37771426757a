"""The ``ws`` fixture: the engine fixture plus two sites, a custom handler and a handler spy."""

from __future__ import annotations

import pytest

from otp_bench.engine.engine import Engine
from tests.engine.helpers import Workspace, make_workspace


@pytest.fixture
def ws(engine: Engine) -> Workspace:
    return make_workspace(engine)
