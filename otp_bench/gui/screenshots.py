"""``otp-bench --screenshot DIR``: render the main window and each pane to PNGs, then exit.

Works offscreen (QT_QPA_PLATFORM=offscreen). Uses a throwaway workspace unless ``--db`` names one,
loads the sample, walks a passwordless login through the real widgets so every pane has content,
and hides codes on the phone (screenshots get shared).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from otp_bench.gui import theme
from otp_bench.gui.log.log_model import ROW_ROLE


def _wait(signal: Any, timeout_ms: int = 10000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def _wait_idle(window: Any, timeout_ms: int = 10000) -> None:
    if window.tasks.pending:
        _wait(window.tasks.idle, timeout_ms)
    QApplication.processEvents()


def _settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)  # let the log's batching timer and layouts run
    loop.exec()


def _save(widget: QWidget, out: Path, name: str) -> None:
    widget.grab().save(str(out / f"{name}.png"))


def take_screenshots(app: QApplication, directory: str, db_url: str | None) -> int:
    from otp_bench.domain.vocabulary import UseCase
    from otp_bench.gui.main_window import TAB_EDITOR, TAB_HEADLESS, MainWindow


    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="otp-bench-shots-")
    url = db_url or f"sqlite:///{Path(tmp.name) / 'workspace.db'}"
    from PySide6.QtCore import QSettings

    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    theme.apply(app, "light")
    w = MainWindow(settings)
    w.resize(1600, 1000)
    w.show()
    w.open_url(url, throwaway=db_url is None)
    _wait(w.engine_ready)
    if not w.engine.store.sites():
        w.load_sample()
        _wait_idle(w)
    w.phone.show_codes.setChecked(False)
    sp = w.site_pane
    sp.flow.setCurrentIndex(sp.flow.findData(UseCase.PASSWORDLESS_LOGIN))
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    page.username.setText("ana@example.com")
    page.button.click()
    _wait_idle(w)
    _wait_idle(w)
    code = w.phone.latest_code()
    if code:
        w.fill_code(code)
        sp.code_page.button.click()
        _wait_idle(w)
    _settle(300)
    _select_last_flow(w)
    _wait_idle(w)
    _settle()
    _save(w, out, "main_window")
    _save(sp, out, "site_pane")
    _save(w.phone, out, "phone")
    _save(w.log, out, "live_log")
    _save(w.flags, out, "flags")
    w.tabs.setCurrentIndex(TAB_HEADLESS)
    _settle()
    _save(w.headless_pane, out, "headless_client")
    twilio = next((p for p in w.engine.store.providers()), None)
    w.open_editor("provider", twilio)
    _preset(w, "twilio")
    _settle()
    _save(w.editor_host, out, "provider_editor")
    w.open_editor("user", w.engine.store.user_by_username("ana@example.com"))
    _settle()
    _save(w.editor_host, out, "user_editor")
    w.tabs.setCurrentIndex(TAB_EDITOR)
    theme.apply(app, "dark")
    sp._apply_site()
    w.tabs.setCurrentIndex(0)
    _settle()
    _save(w, out, "main_window_dark")
    theme.apply(app, "light")
    w.shutdown()
    w.deleteLater()
    tmp.cleanup()
    print(f"screenshots written to {out}")
    return 0


def _select_last_flow(w: Any) -> None:
    w.log.model.flush()
    view = w.log.shown_model
    for r in range(view.rowCount() - 1, -1, -1):
        row = view.index(r, 0).data(ROW_ROLE)
        if row is not None and row.kind == "delivery":
            w.log.table.selectRow(r)
            return


def _preset(w: Any, name: str) -> None:
    editor = w.editor
    http = getattr(editor, "http", None)
    if http is None:
        return
    editor.kind.setCurrentIndex(1)
    i = http.preset.findData(name)
    if i >= 0:
        http.preset.setCurrentIndex(i)
        http.apply_preset()
