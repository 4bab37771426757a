"""Menus, toolbar and shortcuts of the main window (File, Edit, View, Help)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QToolBar, QToolButton, QWidget

from otp_bench.domain.workspace import sqlite_url
from otp_bench.gui.help_menu import add_help_items
from otp_bench.gui.workspace_open import add_workspace_items

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow

ABOUT = """<h3>otp-bench</h3>
<p>A testbench for Salesforce Experience Cloud custom one-time-password delivery providers
(<code>Auth.CustomOneTimePasswordDeliveryHandler</code>): walk every login and registration flow
in a mock site, read the code off a mock phone, and watch every callout and flag change live.</p>
<p><b>Bench assumptions</b> (the platform leaves these undocumented): passwords aren't checked in
the username + password step; the defaultText wording; end-user error wording; the headless API's
error bodies. Each is a setting or noted where it shows.</p>
<p>Salesforce generates the OTP and the handler has access to it: treat handler code, logs and
provider accounts as holding secrets.</p>"""


def build_menus(w: MainWindow) -> dict[str, QAction]:
    acts: dict[str, QAction] = {}

    def act(key: str, text: str, slot: Any, shortcut: Any = None, menu: Any = None) -> QAction:
        a = QAction(text, w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        acts[key] = a
        if menu is not None:
            menu.addAction(a)
        return a

    bar = w.menuBar()
    file = bar.addMenu("&File")
    act("new", "&New workspace file…", lambda: new_workspace(w), QKeySequence.StandardKey.New,
        file)
    act("open", "&Open workspace file…", lambda: open_workspace(w), QKeySequence.StandardKey.Open,
        file)
    recent = file.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: _fill_recent(w, recent))
    acts.update(add_workspace_items(w, file))  # open by URL, recent URLs, workspace key
    file.addSeparator()
    act("sample", "Load &sample workspace", w.load_sample, None, file)
    act("save_session", "Save this session's flows as a scenario…", lambda: w.save_session(),
        "Ctrl+Shift+R", file)
    act("record", "Record to scenario…", lambda: w.record_to_scenario(), None, file)
    file.addSeparator()
    act("quit", "&Quit", w.close, QKeySequence.StandardKey.Quit, file)

    edit = bar.addMenu("&Edit")
    act("new_site", "New &site", lambda: w.open_editor("site", None), "Ctrl+Shift+S", edit)
    act("new_user", "New &user", lambda: w.open_editor("user", None), "Ctrl+Shift+U", edit)
    act("new_provider", "New &provider", lambda: w.open_editor("provider", None),
        "Ctrl+Shift+P", edit)
    act("settings", "Org &settings…", lambda: w.open_editor("settings", None), "Ctrl+,", edit)
    edit.addSeparator()
    act("delete", "&Delete…", w.delete_selected, QKeySequence.StandardKey.Delete, edit)
    act("find", "&Filter the log", lambda: _focus_log_filter(w), QKeySequence.StandardKey.Find,
        edit)

    view = bar.addMenu("&View")
    for key, dock in w.docks.items():
        a = dock.toggleViewAction()
        view.addAction(a)
        acts[f"dock_{key}"] = a
    view.addSeparator()
    for i, name in enumerate(("Mock site", "Headless client", "Workspace editor")):
        act(f"tab{i}", name, lambda _c=False, i=i: w.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}",
            view)
    view.addSeparator()
    scheme = view.addMenu("&Theme")
    for s in ("system", "light", "dark"):
        act(f"theme_{s}", s.title(), lambda _c=False, s=s: set_theme(w, s), None, scheme)
    demo = act("demo", "&Demo mode — play a scenario with captions",
               lambda on: w.show_demo(bool(on)), "Ctrl+D", view)
    demo.setCheckable(True)
    presenter = act("presenter", "&Presenter mode (larger text)",
                    lambda on: w.set_presenter(bool(on)), "Ctrl+Shift+=", view)
    presenter.setCheckable(True)
    presenter.setChecked(str(w.settings.value("presenter", "false")) == "true")
    act("reset", "&Reset layout", w.reset_layout, None, view)

    helpm = bar.addMenu("&Help")
    add_help_items(w, helpm, act, ABOUT)
    from otp_bench.gui.help_scenarios import add_scenario_help

    add_scenario_help(w, helpm, act, acts["about"])
    return acts


def build_toolbar(w: MainWindow) -> QToolBar:
    tb = QToolBar("Main")
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    w.addToolBar(tb)
    tb.addWidget(w.clock)
    tb.addSeparator()
    mock = QToolButton()
    mock.setObjectName("mockToggle")
    w.mock_button = mock
    mock.setText("Mock provider")
    mock.setCheckable(True)
    mock.setToolTip("Start or stop the loopback mock SMS provider")
    mock.toggled.connect(lambda on: w.mock.start() if on else w.mock.stop())
    w.mock.status_changed.connect(lambda t: _sync_toggle(mock, "stopped" not in t))
    tb.addWidget(mock)
    faults = QToolButton()
    faults.setObjectName("faultsButton")
    faults.setText("Faults…")
    faults.setToolTip("Inject faults per provider into the mock (latency, errors, drops…)")
    faults.clicked.connect(lambda: edit_faults(w))
    w.faults_button = faults
    w.mock.faults_changed.connect(lambda: show_armed(w, faults))
    tb.addWidget(faults)
    spacer = QWidget()
    spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                         spacer.sizePolicy().verticalPolicy())
    tb.addWidget(spacer)
    sample = QToolButton()
    sample.setText("Load sample")
    sample.clicked.connect(w.load_sample)
    tb.addWidget(sample)
    return tb


def _sync_toggle(button: QToolButton, on: bool) -> None:
    button.blockSignals(True)
    button.setChecked(on)
    button.blockSignals(False)


def edit_faults(w: MainWindow, provider: str | None = None) -> None:
    from otp_bench.gui.widgets.faults_form import FaultsDialog

    if not w.mock.running:
        w.statusBar().showMessage("Start the mock provider first.", 5000)
        return
    keys = w.mock.keys()
    if not keys:
        w.statusBar().showMessage("No provider calls out yet: add an HTTP provider that uses "
                                  "the loopback mock.", 6000)
        return
    dlg = FaultsDialog(keys, w.mock.armed, w, current=provider)
    dlg.accepted.connect(lambda: w.mock.set_faults(dlg.key, dlg.faults()))
    w.faults_dialog = dlg
    dlg.open()


def show_armed(w: MainWindow, button: QToolButton) -> None:
    """The toolbar says when faults are armed, and which (the phone says it too)."""
    lines = w.mock.armed_summary()
    button.setText(f"⚠ Faults armed ({len(lines)})" if lines else "Faults…")
    button.setProperty("armed", bool(lines))
    button.style().unpolish(button)
    button.style().polish(button)
    button.setToolTip("\n".join(["Armed in the mock:", *lines]) if lines else
                      "Inject faults per provider into the mock (latency, errors, drops…)")
    w.phone.set_armed_faults(lines)


def new_workspace(w: MainWindow) -> None:
    path, _f = QFileDialog.getSaveFileName(w, "New workspace file", "workspace.db",
                                           "otp-bench workspace (*.db)")
    if path:
        w.open_url(sqlite_url(path))


def open_workspace(w: MainWindow) -> None:
    path, _f = QFileDialog.getOpenFileName(w, "Open workspace file", "",
                                           "otp-bench workspace (*.db);;All files (*)")
    if path:
        w.open_url(sqlite_url(path))


def _fill_recent(w: MainWindow, menu: Any) -> None:
    menu.clear()
    files = w.recent_files()
    if not files:
        menu.addAction("(none)").setEnabled(False)
    for p in files:
        menu.addAction(p, lambda p=p: w.open_url(sqlite_url(p)))


def set_theme(w: MainWindow, scheme: str) -> None:
    w.apply_theme(scheme)
    w.settings.setValue("theme", scheme)


def _focus_log_filter(w: MainWindow) -> None:
    w.docks["log"].show()
    w.log.filter.setFocus()


def start_recording(w: MainWindow, recorder_cls: Any, path: str | None) -> None:
    """Wire the Recorder: one call, so the hook stays in one place.

    The first click starts recording into ``path``; the next stops and saves the scenario (on a
    worker: the GUI thread never waits on disk) and says how to replay it.
    """
    recorder = w.recorder
    if recorder is not None and recorder.recording:
        stop_recording(w)
        return
    if w.engine is None:
        w.statusBar().showMessage("Open a workspace before recording.", 5000)
        return
    if path is None:
        path, _f = QFileDialog.getSaveFileName(w, "Record to scenario", "recorded.yaml",
                                               "Scenario (*.yaml)")
    if not path:
        return
    recorder = recorder_cls(w.engine)
    w.recorder = recorder
    w.statusBar().showMessage(f"Recording flows to {path}; stop with File → Record again.")
    w.recording_path = path
    w.menu_actions["record"].setText("Stop recording and save scenario")


def stop_recording(w: MainWindow) -> None:
    recorder, path = w.recorder, w.recording_path
    if recorder is None or path is None:
        return
    recorder.stop()
    w.menu_actions["record"].setText("Record to scenario…")

    def saved(_result: Any) -> None:
        n = recorder.flow_count
        w.statusBar().showMessage(f"Saved {n} recorded flow(s) to {path}; replay with "
                                  f"otp-bench run {path}", 15000)
        w.recording_saved.emit(str(path))

    def failed(exc: BaseException) -> None:
        w.statusBar().showMessage(f"Couldn't save the scenario: {exc}", 15000)

    w.tasks.run(lambda: recorder.save(path), saved, failed, title="Saving the scenario")
