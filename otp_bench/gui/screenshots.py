"""``otp-bench --screenshot DIR``: render the main window and each pane to PNGs, then exit.

Works offscreen (QT_QPA_PLATFORM=offscreen). Uses a throwaway workspace unless ``--db`` names one,
loads the sample, walks a passwordless login through the real widgets so every pane has content,
and hides codes on the phone (screenshots get shared).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from otp_bench.gui import theme
from otp_bench.gui.log.log_model import ROW_ROLE

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.main_window import MainWindow


class ShotError(RuntimeError):
    """A step of the screenshot walk didn't happen in time (or at all); said in one line."""


def _wait(signal: Any, timeout_ms: int = 30000, what: str = "", required: bool = True) -> None:
    """Wait for ``signal``; a timeout is an error naming what didn't happen."""
    loop = QEventLoop()
    fired: list[bool] = []
    def fire(*_args: object) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(fire)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    if not fired and required:
        raise ShotError(f"{what or 'a step'} didn't happen within {timeout_ms / 1000:g} s")


def _wait_idle(window: MainWindow, timeout_ms: int = 30000) -> None:
    if window.tasks.pending:
        _wait(window.tasks.idle, timeout_ms, "the app's background work finishing")
    QApplication.processEvents()


def _settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)  # let the log's batching timer and layouts run
    loop.exec()


def _save(widget: QWidget, out: Path, name: str) -> None:
    widget.grab().save(str(out / f"{name}.png"))


def take_screenshots(app: QApplication, directory: str, db_url: str | None) -> int:
    """Write the PNGs; 0 when done, 2 with one line on stderr when it can't."""
    try:
        return _take(app, directory, db_url)
    except ShotError as exc:
        print(f"otp-bench --screenshot: {exc}", file=sys.stderr)
        return 2


def _take(app: QApplication, directory: str, db_url: str | None) -> int:
    from otp_bench.domain.vocabulary import UseCase
    from otp_bench.gui.editors.provider_editor import ProviderEditor
    from otp_bench.gui.main_window import MainWindow

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="otp-bench-shots-")
    url = db_url or f"sqlite:///{Path(tmp.name) / 'workspace.db'}"
    from PySide6.QtCore import QSettings

    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    theme.apply(app, "light")
    w = MainWindow(settings)  # its default size: what a new user first sees
    w.show()
    failed: list[str] = []
    w.engine_failed.connect(failed.append)
    w.open_url(url, throwaway=db_url is None)
    loop = QEventLoop()
    w.engine_ready.connect(loop.quit)
    w.engine_failed.connect(loop.quit)
    QTimer.singleShot(60000, loop.quit)
    loop.exec()
    if failed or w.engine is None:
        w.shutdown()
        tmp.cleanup()
        raise ShotError(failed[0] if failed else "the workspace didn't open within 60 s")
    if not w.engine.sites():
        w.load_sample()
        _wait_idle(w)
    w.phone.show_codes.setChecked(False)
    sp = w.site_pane
    sp.flow.setCurrentIndex(sp.flow.findData(UseCase.PASSWORDLESS_LOGIN))
    page = sp.pages[UseCase.PASSWORDLESS_LOGIN]
    page.username.setText("ana@example.com")
    _save(sp, out, "site_login")
    page.button.click()
    _wait(w.phone.refreshed, what="the code reaching the phone")
    _wait_idle(w)
    _settle(200)
    _select_last_flow(w, "delivery")
    _wait_idle(w)
    _settle()
    _save(w, out, "main_window")  # the code page, the masked code on the phone, the chain
    _save(w.phone, out, "phone")
    code = w.phone.latest_code()
    if code:
        w.fill_code(code)
        sp.code_page.button.click()
        _wait_idle(w)
    _settle(300)
    _save(sp, out, "site_logged_in")
    ana = w.engine.find_user("ana@example.com")
    for r in range(w.flags.model.rowCount()):
        if w.flags.model.index(r, 0).data() == ana.username:
            w.flags.table.selectRow(r)
    _wait_idle(w)
    _settle()
    _save(w.flags, out, "flags")
    _select_last_flow(w, "flags_changed")
    _wait_idle(w)
    _settle()
    _save(w.log, out, "live_log")
    _refusal(w, out)
    _headless(w, out)
    from otp_bench.gui.editors.apex_screenshots import apex_screenshots

    apex_screenshots(w, out)
    w.open_editor("provider", None)
    _preset(w, "twilio")
    editor = w.editor
    assert isinstance(editor, ProviderEditor)
    editor.name.setText("twilio-sandbox")
    _settle(700)  # the live preview renders on a worker after a short debounce
    _wait_idle(w)
    _settle()
    _save(w.editor_host, out, "provider_editor")
    w.open_editor("user", w.engine.find_user("ben@example.com"))
    _settle()
    _save(w.editor_host, out, "user_editor")
    w.open_editor("site", w.engine.find_site("Acme Customers"))
    _settle()
    _save(w.editor_host, out, "site_editor")
    w.tabs.setCurrentIndex(0)
    from otp_bench.gui import screenshots_demo

    screenshots_demo.small_window(w, out)
    w.tabs.setCurrentIndex(0)
    w.apply_theme("dark")
    _wait_idle(w)
    _settle()
    _save(w, out, "main_window_dark")
    w.apply_theme("light")
    screenshots_demo.demo_mode(w, out)  # last: it plays in its own workspace
    screenshots_demo.demo_mode(w, out, "invalid", QSize(1280, 720))
    w.shutdown()
    w.deleteLater()
    tmp.cleanup()
    print(f"screenshots written to {out}")
    return 0


def _select_last_flow(w: MainWindow, kind: str) -> None:
    w.log.model.flush()
    view = w.log.shown_model
    for r in range(view.rowCount() - 1, -1, -1):
        row = view.index(r, 0).data(ROW_ROLE)
        if row is not None and row.kind == kind:
            w.log.table.selectRow(r)
            return


def _refusal(w: MainWindow, out: Path) -> None:
    """A delivery failure: what the end user sees, and the operator's reason next to it."""
    from otp_bench.domain.vocabulary import UseCase

    sp = w.site_pane
    sp.site.setCurrentIndex(sp.site.findText("Initech Support"))
    sp.flow.setCurrentIndex(sp.flow.findData(UseCase.PASSWORDLESS_LOGIN))
    sp.restart()
    sp.pages[UseCase.PASSWORDLESS_LOGIN].username.setText("ana@example.com")
    sp.pages[UseCase.PASSWORDLESS_LOGIN].button.click()
    _wait_idle(w)
    _settle()
    _save(sp, out, "site_delivery_failed")
    sp.site.setCurrentIndex(sp.site.findText("Acme Customers"))


def _headless(w: MainWindow, out: Path) -> None:
    from otp_bench.gui.main_window import TAB_HEADLESS

    w.tabs.setCurrentIndex(TAB_HEADLESS)
    hp = w.headless_pane
    hp.site.setCurrentIndex(hp.site.findText("Acme Customers"))
    hp.username.setText("ben@example.com")
    hp.init_button.click()
    _wait_idle(w, 20000)
    _wait(w.phone.refreshed, 10000, required=False)  # it may have refreshed already
    code = w.phone.latest_code()
    if code and hp.step == "code":
        hp.code.setText(code)
        hp.authorize_button.click()
        _wait_idle(w, 20000)
    hp.code.clear()  # a used code, but screenshots get shared: never show one
    _settle()
    _save(hp, out, "headless_client")


def open_engine(w: MainWindow) -> Engine:
    """The window's engine; a shot run without one stops with the reason."""
    if w.engine is None:
        raise ShotError("no workspace is open")
    return w.engine


def _preset(w: MainWindow, name: str) -> None:
    from otp_bench.gui.editors.provider_editor import ProviderEditor

    editor = w.editor
    if not isinstance(editor, ProviderEditor):
        return
    http = editor.http
    editor.kind.setCurrentIndex(1)
    i = http.preset.findData(name)
    if i >= 0:
        http.preset.setCurrentIndex(i)
        http.apply_preset()
