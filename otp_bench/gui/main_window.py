"""The main window: the workspace tree, the mock site / headless / editor tabs in the middle,
the phone and flags on the right, the live log at the bottom; docks, toolbar, status bar.

The window owns the ``TaskRunner`` and, once a workspace is open, the ``Engine`` (the one facade
of the core) and its ``EngineBridge``; panes get them through their constructors or
``set_engine``. Its bases hold the rest by concept: ``window_layout`` (docks, saved layout, theme,
recent files) and ``window_activity`` (code fill, log filter, session and recording).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench import heap
from otp_bench.gui.flags_panel import FlagsPanel
from otp_bench.gui.log.log_pane import LogPane
from otp_bench.gui.phone_pane import PhonePane
from otp_bench.gui.site_pane.site_pane import SitePane
from otp_bench.gui.tasks import TaskRunner
from otp_bench.gui.widgets.banners import editor_placeholder, first_run_banner
from otp_bench.gui.widgets.clock import ClockWidget
from otp_bench.gui.widgets.mock_control import MockController
from otp_bench.gui.window_activity import TAB_EDITOR, TAB_HEADLESS, TAB_SITE, WindowActivity
from otp_bench.gui.workspace_tree import WorkspaceTree

if TYPE_CHECKING:
    from otp_bench.engine.clock import BenchClock
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.bridge import EngineBridge
    from otp_bench.gui.demo.demo_bar import DemoBar
    from otp_bench.gui.editors.base import EditorBase
    from otp_bench.gui.site_pane.headless_pane import HeadlessPane
    from otp_bench.gui.widgets.faults_form import FaultsDialog
    from otp_bench.gui.workspace_open import OpenUrlDialog
    from otp_bench.scenario.recorder import Recorder

__all__ = ["TAB_EDITOR", "TAB_HEADLESS", "TAB_SITE", "MainWindow"]


class MainWindow(WindowActivity):
    """Signals: engine_ready() once a workspace is open and shown; workspace_loaded()."""

    engine_ready = Signal()
    engine_failed = Signal(str)  # the workspace couldn't be opened: the reason, one line
    _open_progress = Signal(str)  # from the opening worker: waiting for a lock, and why
    workspace_refreshed = Signal()

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("otp-bench")
        self.resize(1480, 940)
        self.settings = settings or QSettings("otp-bench", "otp-bench")
        self.tasks = TaskRunner(self)
        self.engine: Engine | None = None
        self.bridge: EngineBridge | None = None  # once a workspace is open
        self.editor: EditorBase | None = None
        self.session = None  # this workspace's Recorder, once it is open
        self._flow_filter = None
        self._before_demo: str | None = None
        self.key_store_note: QLabel | None = None
        # set by the menus and dialogs the window opens (tests and screenshots find them here)
        self.recorder: Recorder | None = None  # File → Record to scenario
        self.recording_path: str | None = None
        self.url_dialog: OpenUrlDialog | None = None
        self.docs_dialog: QDialog | None = None
        self.scenario_format_dialog: QDialog | None = None
        self.faults_dialog: FaultsDialog | None = None
        self.mock_button: QToolButton | None = None
        self.faults_button: QToolButton | None = None

        self.site_pane = SitePane(self.tasks)
        self._headless = None  # built the first time its tab opens: startup paints sooner
        self.editor_host = QStackedWidget()
        self.editor_host.addWidget(editor_placeholder())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("centralTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.site_pane, "Mock site")
        self.tabs.addTab(QWidget(), "Headless client")
        self.tabs.addTab(self.editor_host, "Workspace editor")
        self.tabs.currentChanged.connect(
            lambda i: self.headless_pane if i == TAB_HEADLESS else None)
        self.first_run = first_run_banner(self.load_sample)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.first_run)
        self.central_layout = cl  # demo mode puts its bar above the tabs
        cl.addWidget(self.tabs, 1)
        self.demo_bar: DemoBar | None = None  # built the first time demo mode opens
        self.setCentralWidget(central)

        self.tree = WorkspaceTree()
        self.phone = PhonePane(self.tasks)
        self.flags = FlagsPanel(self.tasks)
        self.log = LogPane(self.tasks)
        self.docks = {
            "workspace": self._dock("Workspace", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea),
            "phone": self._dock("Phone", self.phone, Qt.DockWidgetArea.RightDockWidgetArea),
            "flags": self._dock("Flags", self.flags, Qt.DockWidgetArea.RightDockWidgetArea),
            "log": self._dock("Live log", self.log, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.splitDockWidget(self.docks["phone"], self.docks["flags"], Qt.Orientation.Vertical)
        self._sized = False
        from otp_bench.gui.layout import AdaptiveDocks, install_wheel_guard

        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_wheel_guard(app)
        self.adaptive = AdaptiveDocks(self)  # 1280×720 up: tabified docks when small

        self.clock = ClockWidget(self.tasks)
        self.mock = MockController(self.tasks, self)
        self.status_workspace = QLabel("Opening workspace…")
        self.status_mock = QLabel("Mock provider: stopped")
        self.status_tasks = QLabel("")
        self.statusBar().addWidget(self.status_workspace, 1)
        self.statusBar().addPermanentWidget(self.status_tasks)
        self.statusBar().addPermanentWidget(self.status_mock)
        self.mock.status_changed.connect(self.status_mock.setText)
        self.mock.error.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.tasks.failed.connect(self._on_task_failed)
        self.tasks.finished_one.connect(self._on_task_count)

        from otp_bench.gui.main_menus import build_menus, build_toolbar

        self.menu_actions = build_menus(self)
        build_toolbar(self)
        self.tree.open_item.connect(self.open_editor)
        self.phone.fill_requested.connect(self.fill_code)
        self.site_pane.show_flow.connect(self.show_flow_in_log)
        self.site_pane.page_changed.connect(self._clear_flow_filter)
        self._restore_layout()
        self.set_workspace_actions(False)  # until a workspace is open
        self._open_progress.connect(self.status_workspace.setText)

    @property
    def headless_pane(self) -> HeadlessPane:
        """The headless client pane (created, and put in its tab, on first use)."""
        if self._headless is not None:
            return self._headless
        from otp_bench.gui.site_pane.headless_pane import HeadlessPane

        pane = HeadlessPane(self.tasks)
        pane.show_log.connect(self.filter_log)
        self._headless = pane
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        old = self.tabs.widget(TAB_HEADLESS)
        self.tabs.removeTab(TAB_HEADLESS)
        from otp_bench.gui.layout import scrollable

        self.tabs.insertTab(TAB_HEADLESS, scrollable(pane), "Headless client")
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        if old is not None:
            old.deleteLater()
        if self.engine is not None:
            pane.set_engine(self.engine)
            pane.set_sites(self.engine.sites())
        return pane

    # -- workspace lifecycle -------------------------------------------------------------------

    def open_url(self, url: str | None, *, throwaway: bool = False,
                 clock: BenchClock | None = None) -> None:
        """Open (or create) the workspace at ``url`` on a worker, then show it."""
        self.status_workspace.setText("Opening workspace…")

        def open_engine() -> Engine:
            from otp_bench.engine.queries import open_workspace

            # a locked workspace is waited for (bounded); say so where the user looks
            return open_workspace(url, throwaway=throwaway, clock=clock,
                                  progress=self._open_progress.emit)

        self.tasks.run(open_engine, self.set_engine, self.workspace_unavailable,
                       title="Opening the workspace")

    # actions that need an open workspace (File → New/Open/Recent, View, Help stay usable)
    _WORKSPACE_ACTIONS = ("sample", "record", "new_site", "new_user", "new_provider",
                          "settings", "delete", "find", "export_key", "import_key")

    def set_workspace_actions(self, enabled: bool) -> None:
        for key in self._WORKSPACE_ACTIONS:
            if key in self.menu_actions:
                self.menu_actions[key].setEnabled(enabled)
        central = self.centralWidget()
        if central is not None:
            central.setEnabled(enabled)
        for bar in self.findChildren(QToolBar):  # bench time, mock provider, faults, sample
            bar.setEnabled(enabled)
        for dock in self.docks.values():
            widget = dock.widget()
            if widget is not None:
                widget.setEnabled(enabled)

    def _announce_key_store(self) -> None:
        """The keyring fallback to key files, said once in the app as on the CLI's stderr."""
        from otp_bench.engine.queries import key_store_notice

        notice = key_store_notice()
        if notice and self.key_store_note is None:
            self.key_store_note = note = QLabel("⚠ Workspace keys in files (no OS keyring)")
            note.setObjectName("keyStoreNote")
            note.setToolTip(notice)
            self.statusBar().addPermanentWidget(note)
            self.statusBar().showMessage(notice, 15000)

    def workspace_unavailable(self, error: BaseException) -> None:
        """A workspace that can't be opened: the reason in a dialog (the CLI's words), and
        nothing clickable that needs one until another opens (File → Open/New)."""
        message = str(error)
        if self.engine is None:
            self.set_workspace_actions(False)
            self.status_workspace.setText("No workspace open — File → Open or New")
        box = QMessageBox(QMessageBox.Icon.Critical, "Can't open the workspace", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("workspaceError")
        box.setInformativeText("Open another workspace or create a new one from the File menu.")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.workspace_error = box
        box.open()  # window-modal, never blocks the event loop
        self.engine_failed.emit(message)

    def set_engine(self, engine: Engine) -> None:
        old, self.engine = self.engine, engine
        if self.bridge is not None:
            self.bridge.detach()
            self.bridge.deleteLater()
        if old is not None:
            if self._headless is not None:
                self._headless.close_client()
            self.tasks.run(old.close, title="Closing the workspace")
        from otp_bench.gui.bridge import EngineBridge  # the domain's event types load here
        from otp_bench.scenario.recorder import Recorder

        if self.session is not None:
            self.session.stop()
        # every flow walked from now on, so "Save this session as a scenario" needs no foresight
        self.session = Recorder(engine, name="otp-bench session")

        self.bridge = bridge = EngineBridge(engine, self)
        from otp_bench.gui.live_views import LiveViews

        self.live = LiveViews(self, bridge)  # each change refreshes only what it names
        self.site_pane.set_engine(engine)
        if self._headless is not None:
            self._headless.set_engine(engine)
        self.phone.set_engine(engine)
        self.flags.set_engine(engine)
        self.log.set_engine(engine)
        self.clock.set_engine(engine)
        self.mock.set_engine(engine)
        self.set_workspace_actions(True)
        self._announce_key_store()
        engine.follow()  # flows and edits made by other instances show here live
        if self.mock.uses_mock() and str(self.settings.value("mock_autostart", "true")) == "true":
            self.mock.start()  # its providers call it: a workspace opens ready to use
        path = engine.workspace_path
        self.status_workspace.setText(f"Workspace: {engine.workspace}")  # no password
        self.setWindowTitle(f"otp-bench — {engine.workspace.short}")
        if path:
            self._remember(str(path))
        self.refresh_workspace()
        # everything loaded so far (Qt wrappers, SQLAlchemy, httpx, uvicorn) lives as long as the
        # app: out of the collector's walks (otp_bench.heap), released at shutdown
        heap.settle()
        self.engine_ready.emit()

    def refresh_workspace(self) -> None:
        """Re-read the whole workspace (the store's in-memory cache: no I/O) into every view:
        when one opens. Later changes refresh only what they name (``LiveViews``)."""
        if self.engine is None:
            return
        engine = self.engine
        sites, users, providers = engine.sites(), engine.users(), engine.providers()
        self.tree.populate(engine.settings, sites, users, providers)
        self.site_pane.set_sites(sites)
        if self._headless is not None:
            self._headless.set_sites(sites)
        self.flags.set_users(users)
        self.first_run.setVisible(not sites and not users)
        self.tasks.run(engine.warm_handlers, title="Preparing handlers")
        self.workspace_refreshed.emit()

    # -- editors -------------------------------------------------------------------------------

    def open_editor(self, kind: str, obj: Any) -> None:
        if self.engine is None:
            return
        from otp_bench.gui.editors import factory

        editor = factory.make_editor(kind, obj, self.tasks, self.engine, self.mock)
        if self.editor is not None:
            self.editor_host.removeWidget(self.editor)
            self.editor.deleteLater()
        self.editor = editor
        self.editor_host.addWidget(editor)
        self.editor_host.setCurrentWidget(editor)
        self.tabs.setCurrentIndex(TAB_EDITOR)
        editor.deleted.connect(self._on_deleted)
        editor.reload_requested.connect(self.live.reload_editor)
        on_events = getattr(editor, "on_events", None)
        if on_events is not None and self.bridge is not None:
            self.bridge.batch.connect(on_events)  # an Apex provider's editor marks run ends

    def _on_deleted(self) -> None:  # the delete's own change took its row out of the views
        self.editor_host.setCurrentIndex(0)

    def delete_selected(self) -> None:
        if self.editor is not None and self.tabs.currentIndex() == TAB_EDITOR:
            self.editor.confirm_delete()

    def _on_task_failed(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        if self.engine is None:
            self.status_workspace.setText(f"{title}: {message}")

    def _on_task_count(self) -> None:
        n = self.tasks.pending
        self.status_tasks.setText(f"{n} running" if n else "")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop workers and close the workspace (app exit, tests)."""
        if self.demo_bar is not None:
            self.demo_bar.player.shutdown()
        if self.bridge is not None:
            self.bridge.detach()
        client = None
        if self._headless is not None:
            client, self._headless._client = self._headless._client, None
        mock, self.mock._mock = self.mock._mock, None
        self.tasks.shutdown(wait=True)
        starting, self.mock.starting = self.mock.starting, None  # a start still in flight
        for thing in (client, mock, starting if starting is not mock else None):
            stop = getattr(thing, "close", None) or getattr(thing, "stop", None)
            if stop:
                stop()
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        heap.release()

