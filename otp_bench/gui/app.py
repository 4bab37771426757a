"""Starting the desktop app: ``run_gui(db_url, screenshot_dir)``, called lazily by the CLI.

The window is built and shown before the workspace opens: the store (Alembic migrations, disk)
and the engine's heavier imports (SQLAlchemy, httpx, Jinja2) load on a worker right after the
first frame painted. ``OTP_BENCH_FIRST_PAINT=1`` prints the wall time of the first paint and exits
(bench/bench_gui.py measures cold start with it).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from otp_bench.gui import theme


class _FirstPaint(QObject):
    """Runs ``then`` once, right after the window's first paint."""

    def __init__(self, parent: QObject, then: Callable[[], None]) -> None:
        super().__init__(parent)
        self._then: Callable[[], None] | None = then

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, then)  # after this paint has reached the screen
        return False


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("otp-bench")
    app.setOrganizationName("otp-bench")
    # no applicationDisplayName: Qt would append it to every title ("otp-bench — ws.db — otp-bench")
    # Workers (flows, callouts, the store) share the GIL with the GUI thread: a 1 ms switch
    # interval (default 5 ms) hands it back to the event loop sooner, so a burst of flows can't
    # stall painting.
    sys.setswitchinterval(0.001)
    return app


def run_gui(db_url: str | None, screenshot_dir: str | None = None) -> int:
    """Open the app on the workspace at ``db_url`` (None: the default); 0 on a normal exit."""
    app = make_app()
    settings = QSettings("otp-bench", "otp-bench")
    theme.apply(app, str(settings.value("theme", "system")),
                presenter=str(settings.value("presenter", "false")) == "true")
    if screenshot_dir:
        from otp_bench.gui.screenshots import take_screenshots

        return take_screenshots(app, screenshot_dir, db_url)
    from otp_bench.gui.main_window import MainWindow

    window = MainWindow(settings)
    probe = os.environ.get("OTP_BENCH_FIRST_PAINT") == "1"

    def after_first_paint() -> None:
        if probe:
            print(f"FIRST_PAINT {time.time():.6f}", flush=True)
            QApplication.quit()
            return
        # The store (Alembic, disk) and the engine's imports load on a worker once the window
        # is on screen, so they never compete with the first frame for the GIL.
        window.open_url(db_url)

    window.installEventFilter(_FirstPaint(window, after_first_paint))
    window.show()
    app.styleHints().colorSchemeChanged.connect(
        lambda _s: theme.apply(app, str(settings.value("theme", "system")))
    )
    return int(app.exec())
