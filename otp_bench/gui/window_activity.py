"""What the operator does around the flows, in the main window: a code from the phone into the
page waiting for it, the log narrowed to one flow, this session's flows saved as a scenario,
recording to a scenario file, demo mode and the sample workspace.

``WindowActivity`` is a base of ``MainWindow``; the scenario recorder is the scenario
subsystem's (``otp_bench.scenario.recorder``), started here over the open engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout

from otp_bench.gui.window_layout import WindowLayout

if TYPE_CHECKING:
    from otp_bench.engine.clock import BenchClock
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.demo.demo_bar import DemoBar
    from otp_bench.gui.main_window import MainWindow
    from otp_bench.gui.site_pane.headless_pane import HeadlessPane
    from otp_bench.gui.tasks import TaskRunner
    from otp_bench.gui.widgets.mock_control import MockController
    from otp_bench.scenario.recorder import Recorder

TAB_SITE, TAB_HEADLESS, TAB_EDITOR = range(3)


class WindowActivity(WindowLayout):
    recording_saved = Signal(str)  # the path of a scenario the Recorder just wrote

    engine: Engine | None
    tasks: TaskRunner
    tabs: QTabWidget
    session: Recorder | None
    _flow_filter: str | None
    demo_bar: DemoBar | None
    central_layout: QVBoxLayout
    menu_actions: dict[str, QAction]
    mock: MockController
    _before_demo: str | None

    if TYPE_CHECKING:
        @property
        def headless_pane(self) -> HeadlessPane: ...

        def open_url(self, url: str | None, *, throwaway: bool = False,
                     clock: BenchClock | None = None) -> None: ...

        def refresh_workspace(self) -> None: ...

    def fill_code(self, code: str) -> None:
        if self.tabs.currentIndex() == TAB_HEADLESS and self.headless_pane.fill_code(code):
            return
        if self.site_pane.fill_code(code):
            self.tabs.setCurrentIndex(TAB_SITE)
            return
        if self._headless is not None and self._headless.fill_code(code):
            self.tabs.setCurrentIndex(TAB_HEADLESS)
            return
        self.statusBar().showMessage("No code page is waiting for a code.", 5000)

    def filter_log(self, text: str) -> None:
        self.docks["log"].show()
        self.log.filter.setText(text)
        self.log.set_filter(text)

    def show_flow_in_log(self, flow_id: str) -> None:
        self.docks["log"].show()
        self.docks["log"].raise_()
        self.log.filter.setText(flow_id)
        self.log.set_filter(flow_id)
        self.log.select_flow(flow_id)
        self._flow_filter = flow_id
        self.statusBar().showMessage(
            f"The log shows only flow {flow_id}: clear the filter (×) to see every flow; it "
            "clears itself when the next flow starts.", 10000)

    def _clear_flow_filter(self, page: str) -> None:
        """A filter set by "Show this flow in the log" goes when the site starts over, so later
        flows never look missing."""
        flow_id = self._flow_filter
        if page == "start" and flow_id and self.log.filter.text().strip() == flow_id:
            self._flow_filter = None
            self.log.filter.clear()
            self.log.set_filter("")
            self.statusBar().showMessage("Log filter cleared: every flow shows again.", 5000)

    def save_session(self, path: str | None = None) -> None:
        """Save the flows walked since this workspace opened as a scenario file (a worker
        writes it); recording goes on."""
        session = self.session
        if session is None:
            return
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            path, _f = QFileDialog.getSaveFileName(self, "Save this session as a scenario",
                                                   "session.yaml", "Scenario (*.yaml)")
        if not path:
            return
        target = path

        def saved(_r: Any) -> None:
            self.statusBar().showMessage(f"Saved {session.flow_count} flow(s) of this session to "
                                         f"{target}; replay with otp-bench run {target}", 15000)
            self.recording_saved.emit(str(target))

        self.tasks.run(lambda: session.save(target), saved,
                       lambda e: self.statusBar().showMessage(f"Couldn't save: {e}", 15000),
                       title="Saving the session")

    def record_to_scenario(self, path: str | None = None) -> None:
        """Start recording the operator's flows into a scenario file (the Recorder's hook)."""
        try:
            from otp_bench.scenario.recorder import Recorder
        except ImportError:
            QMessageBox.information(self, "Record to scenario",
                                    "Recording isn't available in this build yet.")
            return
        from otp_bench.gui.main_menus import start_recording

        start_recording(self._window(), Recorder, path)

    # -- demo mode and the sample ----------------------------------------------------------

    def show_demo(self, on: bool = True) -> None:
        """Demo mode: play a scenario in the app with captions; closing it reopens the
        workspace that was open before."""
        if on and self.demo_bar is None:
            from otp_bench.gui.demo.demo_bar import DemoBar
            from otp_bench.gui.demo.player import DemoPlayer

            self.demo_bar = DemoBar(DemoPlayer(self._window()))
            self.demo_bar.closed.connect(lambda: self.show_demo(False))
            self.central_layout.insertWidget(1, self.demo_bar)
        if self.demo_bar is None:
            return
        action = self.menu_actions.get("demo")
        if action is not None and action.isChecked() != on:
            action.setChecked(on)
        if on == self.demo_bar.isVisible():
            return
        self.demo_bar.setVisible(on)
        if on:
            self._before_demo = self.engine.workspace.url if self.engine is not None else None
            self.tabs.setCurrentIndex(TAB_SITE)
            return
        self.demo_bar.player.stop()
        previous, self._before_demo = self._before_demo, None
        if previous:
            self.open_url(previous)

    def load_sample(self) -> None:
        if self.engine is None:
            return
        from otp_bench.gui.sample import load_sample_workspace

        if not self.mock.running and self.mock.available:
            # the sample's HTTP provider calls the app's loopback mock: start it first
            def go(_url: str) -> None:
                self.mock.started.disconnect(go)
                self.load_sample()

            self.mock.started.connect(go)
            self.mock.start()
            return
        engine, mock = self.engine, self.mock.loopback
        self.tasks.run(lambda: load_sample_workspace(engine, mock),
                       lambda _r: self._sample_loaded(), title="Loading the sample workspace")

    def _sample_loaded(self) -> None:
        self.tabs.setCurrentIndex(TAB_SITE)
        self.statusBar().showMessage(
            "Sample workspace loaded: try Passwordless login as ana@example.com on Contoso "
            "Health — Twilio through the loopback mock: request → response → rule in the log.",
            12000)

    def _window(self) -> MainWindow:
        """This window as the ``MainWindow`` it is (the menus' and the demo's helpers take it)."""
        from otp_bench.gui.main_window import MainWindow

        assert isinstance(self, MainWindow)
        return self
