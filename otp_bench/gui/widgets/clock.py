"""The bench clock control: the bench time, and fast-forward buttons to demonstrate expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from otp_bench.gui.widgets.forms import hbox

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

STEPS = (("+1 min", 60), ("+15 min", 15 * 60), ("+1 h", 3600))


class ClockWidget(QWidget):
    """Signals: advanced(seconds) once the engine moved the clock."""

    advanced = Signal(float)

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self.time = QLabel("--:--:--")
        self.time.setObjectName("benchTime")
        self.time.setProperty("role", "clock")
        self.time.setToolTip("Bench time: real time plus the fast-forward offset")
        lay = hbox(self, spacing=4)
        caption = QLabel("Bench time")
        caption.setProperty("role", "muted")
        lay.addWidget(caption)
        lay.addWidget(self.time)
        self.buttons: dict[int, QToolButton] = {}
        for text, seconds in STEPS:
            b = QToolButton()
            b.setText(text)
            b.setObjectName(f"advance{seconds}")
            b.setToolTip(f"Fast-forward the bench clock {text[1:]} (codes expire, rate limits "
                         "reset)")
            b.clicked.connect(lambda _c=False, s=seconds: self.advance(s))
            lay.addWidget(b)
            self.buttons[seconds] = b
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self.refresh()

    def refresh(self) -> None:
        if self._engine is not None:  # clock.now() is arithmetic on datetime: no I/O
            now = self._engine.clock.now()
            offset = self._engine.clock.offset_seconds
            self.time.setText(f"{now:%H:%M:%S}" + (f"  (+{_span(offset)})" if offset else ""))

    def advance(self, seconds: float) -> None:
        if self._engine is None:
            return
        engine = self._engine
        self._tasks.run(lambda: engine.advance_clock(seconds),
                        lambda _r: self._done(seconds), title="Advancing the clock")

    def _done(self, seconds: float) -> None:
        self.refresh()
        self.advanced.emit(seconds)


def _span(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return (f"{d}d " if d else "") + f"{h}h{m:02d}m" + (f"{s:02d}s" if s else "")
