"""Starting the desktop app: ``run_gui(db_url, screenshot_dir)``, called lazily by the CLI.

The window is built and shown before the workspace opens: the store (Alembic migrations, disk)
and the engine's heavier imports (SQLAlchemy, httpx, Jinja2) load on a worker while the first
frame paints. ``OTP_BENCH_FIRST_PAINT=1`` prints the wall time of the first paint and exits
(bench/bench_gui.py measures cold start with it).
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from otp_bench.gui import theme


class _FirstPaint(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            print(f"FIRST_PAINT {time.time():.6f}", flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("otp-bench")
    app.setOrganizationName("otp-bench")
    app.setApplicationDisplayName("otp-bench")
    return app


def run_gui(db_url: str | None, screenshot_dir: str | None = None) -> int:
    """Open the app on the workspace at ``db_url`` (None: the default); 0 on a normal exit."""
    app = make_app()
    settings = QSettings("otp-bench", "otp-bench")
    theme.apply(app, str(settings.value("theme", "system")))
    if screenshot_dir:
        from otp_bench.gui.screenshots import take_screenshots

        return take_screenshots(app, screenshot_dir, db_url)
    from otp_bench.gui.main_window import MainWindow

    window = MainWindow(settings)
    probe = None
    if os.environ.get("OTP_BENCH_FIRST_PAINT") == "1":
        probe = _FirstPaint(window)
        window.installEventFilter(probe)
    window.show()
    window.open_url(db_url)  # a worker opens the store while the first frame paints
    app.styleHints().colorSchemeChanged.connect(
        lambda _s: theme.apply(app, str(settings.value("theme", "system")))
    )
    code = app.exec()
    if probe is not None:
        window.tasks.shutdown(wait=False)
    return int(code)
