"""Routing what changed to the views that show it: the bridge's signals in, one-row refreshes out.

A change names one record (kind, id, action). Each is answered with that record's current state,
read through the engine facade (``Engine.record_of``: the store's cache, no I/O), and handed to
the views listing it: the workspace tree and the flags panel update, insert, move or remove that
one row; an open editor on that very record says it changed or went (``EditorBase``); the site
choosers re-read the site list only when a site changed; handlers are warmed only when a site or
provider changed. Several changes to one record in a batch are answered once. Nothing here is
rebuilt from scratch: that happens only when a workspace opens (``MainWindow.refresh_workspace``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from otp_bench.domain.changes import Action, Change, ChangeSet, What
from otp_bench.gui.editors.base import EditorBase

if TYPE_CHECKING:
    from otp_bench.gui.bridge import EngineBridge
    from otp_bench.gui.main_window import MainWindow

_EDITOR_KIND = {What.SITE: "site", What.USER: "user", What.PROVIDER: "provider",
                What.SETTINGS: "settings"}


class LiveViews(QObject):
    """Connects one bridge to the main window's views for as long as the workspace is open."""

    def __init__(self, window: MainWindow, bridge: EngineBridge) -> None:
        super().__init__(bridge)  # goes with the bridge when the workspace closes
        self.w = window
        self.engine = bridge.engine  # a batch still queued for a closed workspace is ignored
        bridge.batch.connect(window.log.append_batch)
        bridge.batch.connect(window.flags.on_batch)  # the selected user's history rows
        bridge.flags_changed.connect(window.flags.on_flags_changed)
        bridge.workspace_changed.connect(self.apply)
        bridge.inbox_changed.connect(window.phone.on_inbox_changed)
        bridge.clock_changed.connect(window.clock.refresh)

    def apply(self, changes: ChangeSet) -> None:
        w, engine = self.w, self.engine
        if w.engine is not engine:
            return
        latest: dict[tuple[What, str], Change] = {}
        for c in changes:  # the last word on each record is the one to show
            latest.pop((c.what, c.entity_id), None)
            latest[(c.what, c.entity_id)] = c
        apps = [c for c in latest.values() if c.what is What.CONNECTED_APP]
        if apps and w._headless is not None:
            w._headless.reload_apps()
            dialog = w._headless.apps_dialog
            if dialog is not None and dialog.isVisible():
                dialog.on_changes(apps)
        for c in latest.values():
            if c.what is What.CONNECTED_APP:
                continue
            if c.what is What.SITE and c.action is Action.DELETED:
                # its members lose it without a user change of their own: their rows follow
                for user_id in w.tree.members_of(c.entity_id):
                    member = engine.user_by_id(user_id)
                    w.tree.apply(Change(What.USER, Action.SAVED, user_id), member)
                    w.flags.on_user_changed(user_id, member)
            record = engine.record_of(c)
            w.tree.apply(c, record)
            if c.what is What.USER:
                w.flags.on_user_changed(c.entity_id, record)
            if isinstance(w.editor, EditorBase):
                w.editor.on_record_changed(c, record)
        whats = {c.what for c in latest.values()}
        if What.SITE in whats:  # the site choosers list every site: one cache read
            sites = engine.sites()
            w.site_pane.set_sites(sites)
            if w._headless is not None:
                w._headless.set_sites(sites)
        if whats & {What.SITE, What.PROVIDER}:  # a handler to build before its first flow
            w.tasks.run(engine.warm_handlers, title="Preparing handlers")
        counts = w.tree.counts()
        w.first_run.setVisible(not counts.get("site") and not counts.get("user"))
        w.workspace_refreshed.emit()

    def reload_editor(self) -> None:
        """Reopen the editor shown on its record's saved version (the notice's Reload)."""
        w = self.w
        key = w.editor.record_key() if isinstance(w.editor, EditorBase) else None
        if key is None or w.engine is None:
            return
        what, entity_id = key
        record = w.engine.record_of(Change(what, Action.SAVED, entity_id))
        if record is not None:
            w.open_editor(_EDITOR_KIND[what], record)
