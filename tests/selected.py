"""Which parameters of a parametrized test this session runs: for module fixtures that start the
selected cases' slow parts together (``-k`` and node ids leave the others alone)."""

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
