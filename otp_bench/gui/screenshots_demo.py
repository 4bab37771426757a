"""Screenshots of the stakeholder-facing parts: the window at 1280×720 (a projector), the Faults
form with armed faults, and demo mode mid-story (its caption on screen). Called by
``screenshots._take`` after the default-size shots, with the sample workspace open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QSize, QTimer

if TYPE_CHECKING:
    from otp_bench.gui.main_window import MainWindow

ARMED = [{"error": "timeout", "every": 3}, {"latency": "1.5s", "probability": 0.25}]


def _loop_until(signal: Any, done: Any, ms: int = 60000) -> None:
    loop = QEventLoop()
    signal.connect(lambda *_a: loop.quit() if done() else None)
    QTimer.singleShot(ms, loop.quit)
    if not done():
        loop.exec()


def _settle(ms: int = 250) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def small_window(w: MainWindow, out: Path) -> None:
    default = w.size()
    w.resize(QSize(1280, 720))
    _settle(400)
    w.grab().save(str(out / "main_window_1280x720.png"))
    w.resize(default)
    _settle(400)


def faults_form(w: MainWindow, out: Path) -> None:
    from otp_bench.gui.main_menus import edit_faults
    from otp_bench.mockprovider.faults import Fault
    from otp_bench.workspace_files.durations import parse_duration

    if not w.mock.running:
        w.mock.start()
        _loop_until(w.mock.started, lambda: w.mock.running, 20000)
    keys = w.mock.keys()
    if not w.mock.running or not keys:
        return
    w.mock.set_faults(keys[0], [Fault.from_dict(f, parse_seconds=parse_duration) for f in ARMED])
    _settle()
    edit_faults(w, keys[0])
    dlg = w.faults_dialog
    if dlg is None:
        return
    dlg.list.setCurrentRow(0)
    _settle()
    dlg.grab().save(str(out / "faults_form.png"))
    dlg.reject()
    _settle()
    w.grab().save(str(out / "faults_armed_toolbar.png"))
    w.mock.set_faults(keys[0], [])
    w.mock.stop()
    _settle()


def demo_mode(w: MainWindow, out: Path, word: str = "invalid", size: QSize | None = None) -> None:
    """Play a preset at the fast pace until its provider-error caption shows, then pause."""
    w.show_demo(True)
    bar = w.demo_bar
    if bar is None:
        return
    player = bar.player
    bar.pace.setCurrentText("Fast")
    i = next(i for i in range(bar.scenario.count()) if word in bar.scenario.itemText(i).lower())
    bar.scenario.setCurrentIndex(i)
    bar.load_current()
    seen: list[str] = []
    player.caption.connect(seen.append)
    player.play()
    _loop_until(player.caption, lambda: any(c.startswith("Send code:") and "the user sees" in c
                                            for c in seen) or player.state == "failed")
    player.pause()
    if size is not None:
        w.resize(size)
    _settle(600)
    w.grab().save(str(out / (f"demo_mode_{size.width()}x{size.height()}.png" if size
                             else "demo_mode.png")))
    if size is None:
        faults_form(w, out)  # the demo workspace has an HTTP provider to arm faults on
    player.stop()
    w.show_demo(False)
    _settle()
