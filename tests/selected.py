"""Which parameters of a parametrized test this session runs: for module fixtures that start the
selected cases' slow parts together (``-k`` and node ids leave the others alone).

Under pytest-xdist a worker's session holds every collected test, not the share it will run (the
scheduler hands tests out as it goes), so a module whose tests are split between workers starts
its selected cases in each of them: the same outcomes, some work twice."""

from __future__ import annotations

from typing import Any

import pytest


def selected(request: pytest.FixtureRequest, test_name: str, param: str) -> list[Any]:
    """The values of ``param`` of the selected tests named ``test_name`` in the requesting
    module, in collection order."""
    module = request.node.path
    return [item.callspec.params[param] for item in request.session.items
            if item.path == module and getattr(item, "originalname", None) == test_name
            and hasattr(item, "callspec")]
