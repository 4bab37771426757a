"""Which editor edits what: one place mapping a workspace item kind to its editor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otp_bench.gui.editors.base import EditorBase

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner
    from otp_bench.gui.widgets.mock_control import MockController


def make_editor(kind: str, obj: Any, tasks: TaskRunner, engine: Engine,
                mock: MockController | None = None) -> EditorBase:
    if kind == "site":
        from otp_bench.gui.editors.site_editor import SiteEditor

        return SiteEditor(tasks, engine, obj)
    if kind == "user":
        from otp_bench.gui.editors.user_editor import UserEditor

        return UserEditor(tasks, engine, obj)
    if kind == "provider":
        from otp_bench.gui.editors.provider_editor import ProviderEditor

        return ProviderEditor(tasks, engine, obj, mock=mock)
    if kind == "settings":
        from otp_bench.gui.editors.settings_editor import SettingsEditor

        return SettingsEditor(tasks, engine)
    raise ValueError(f"no editor for {kind!r}")
