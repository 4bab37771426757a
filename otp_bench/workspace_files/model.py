"""A parsed, validated workspace file: the workspace sections of the scenario format (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otp_bench.workspace_files.yamlpos import line_of


@dataclass(frozen=True)
class WorkspaceFile:
    """Settings, providers, sites, users and connected apps as validated plain values (applied by
    ``apply.apply_workspace``); ``lines`` maps a path in the file to its line for messages;
    ``step_count``: the ``steps`` the file holds, which only a scenario run runs."""

    file: Path
    name: str
    settings: dict[str, Any]
    providers: tuple[dict[str, Any], ...]
    sites: tuple[dict[str, Any], ...]
    users: tuple[dict[str, Any], ...]
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False)
    connected_apps: tuple[dict[str, Any], ...] = ()
    step_count: int = 0

    def line(self, *path: str | int) -> int:
        return line_of(self.lines, path)
