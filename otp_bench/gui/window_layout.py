"""The main window's frame: its docks, their default sizes, the saved layout, theme and presenter
mode, and the recent workspace files (kept in QSettings).

``WindowLayout`` is the base of ``MainWindow``; it owns nothing of a workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

if TYPE_CHECKING:
    from otp_bench.gui.log.log_pane import LogPane
    from otp_bench.gui.phone_pane import PhonePane
    from otp_bench.gui.site_pane.headless_pane import HeadlessPane
    from otp_bench.gui.site_pane.site_pane import SitePane


class WindowLayout(QMainWindow):
    settings: QSettings
    docks: dict[str, QDockWidget]
    site_pane: SitePane
    phone: PhonePane
    log: LogPane
    _headless: HeadlessPane | None
    _sized: bool

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # dock sizes only hold once the window has its real size
            self._sized = True
            if self.settings.value("windowState") is None:
                QTimer.singleShot(0, self.default_dock_sizes)

    def default_dock_sizes(self) -> None:
        w, h = self.width(), self.height()
        self.resizeDocks([self.docks["workspace"]], [max(230, w * 18 // 100)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["phone"]], [max(320, min(460, w * 26 // 100))],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["log"]], [max(230, h * 32 // 100)], Qt.Orientation.Vertical)
        if not self.tabifiedDockWidgets(self.docks["phone"]):
            self.resizeDocks([self.docks["phone"], self.docks["flags"]],
                             [h * 34 // 100, h * 32 // 100], Qt.Orientation.Vertical)

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: every text size up (kept in the settings)."""
        self.settings.setValue("presenter", "true" if on else "false")
        from otp_bench.gui import theme

        theme.apply(_app(), theme.current(), presenter=on)
        self.apply_theme(theme.current())

    def apply_theme(self, scheme: str) -> None:
        """Switch light/dark/system and re-render what holds colours in HTML."""
        from otp_bench.gui import theme

        theme.apply(_app(), scheme)
        self.site_pane._apply_site()
        self.phone.restyle()
        self.log.inspector.restyle()
        if self._headless is not None:
            self._headless.restyle()

    def _remember(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", [path, *recent][:8])

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [str(p) for p in value] if isinstance(value, list) else []

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.settings.remove("windowState")
        self.default_dock_sizes()


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "the main window lives in a QApplication"
    return app
