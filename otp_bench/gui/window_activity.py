"""What the operator does around the flows, in the main window: a code from the phone into the
page waiting for it, the log narrowed to one flow, this session's flows saved as a scenario, and
recording to a scenario file.

``WindowActivity`` is a base of ``MainWindow``; the scenario recorder is the scenario
subsystem's (``otp_bench.scenario.recorder``), started here over the open engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget

from otp_bench.gui.window_layout import WindowLayout

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.site_pane.headless_pane import HeadlessPane
    from otp_bench.gui.tasks import TaskRunner
    from otp_bench.scenario.recorder import Recorder

TAB_SITE, TAB_HEADLESS, TAB_EDITOR = range(3)


class WindowActivity(WindowLayout):
    recording_saved = Signal(str)  # the path of a scenario the Recorder just wrote

    engine: Engine | None
    tasks: TaskRunner
    tabs: QTabWidget
    session: Recorder | None
    _flow_filter: str | None

    if TYPE_CHECKING:
        @property
        def headless_pane(self) -> HeadlessPane: ...

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

        start_recording(self, Recorder, path)
