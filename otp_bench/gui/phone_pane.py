"""The phone: one inbox per number, message bubbles, the OTP highlighted, one-click "fill code".

Inbox reads run on a worker. When the bridge reports an INBOX change, only the numbers it names are
read again (the shown inbox if it is one of them; a new number joins the list); the pane follows
the number that received the newest message so a demo never needs a click to find the code.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui import theme
from otp_bench.gui.widgets.forms import label

if TYPE_CHECKING:
    from otp_bench.domain.model import InboxMessage
    from otp_bench.engine.engine import Engine
    from otp_bench.gui.tasks import TaskRunner

OTP_MASK = "••••••"  # as otp_bench.domain.events spells it (not imported: startup paints sooner)


class Bubble(QFrame):
    fill = Signal(str)

    def __init__(self, message: Any, show_code: bool) -> None:
        super().__init__()
        self.setProperty("role", "bubble")
        self.message = message
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(4)
        lay.addWidget(label(escape(message.sender), "muted"))
        body = QLabel(_body_html(message.body, message.otp, show_code))
        body.setObjectName("bubbleBody")
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(body)
        foot = QHBoxLayout()
        meta = label(f"{message.received_at:%H:%M:%S} · {message.channel.value.upper()} · via "
                     f"{message.via}", "muted")
        foot.addWidget(meta, 1)
        if message.otp:
            b = QPushButton("Fill code")
            b.setObjectName("fillCode")
            b.setProperty("flat", True)
            b.clicked.connect(lambda: self.fill.emit(message.otp))
            foot.addWidget(b)
        lay.addLayout(foot)


def _body_html(body: str, otp: str | None, show: bool) -> str:
    text = escape(body)
    if otp:
        shown = otp if show else OTP_MASK
        mark = (f"<span style='background:{theme.tokens().get('highlight', '#fff1b8')};"
                f"font-weight:700;font-family:monospace;font-size:15px'>&nbsp;{shown}&nbsp;</span>")
        text = text.replace(escape(otp), mark)
    return text


class PhonePane(QWidget):
    """Signals: fill_requested(code); refreshed() after an inbox read landed."""

    fill_requested = Signal(str)
    refreshed = Signal()

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._engine: Engine | None = None
        self._messages: list[InboxMessage] = []
        self.bubbles: list[Bubble] = []
        self._generation = 0
        self.number = QComboBox()
        self.number.setObjectName("phoneNumber")
        self.number.setPlaceholderText("no messages yet")
        self.show_codes = QCheckBox("Show codes")
        self.show_codes.setChecked(False)  # off by default: screens get shared
        self.show_codes.setToolTip("Show the codes in the messages (off: masked, so screenshots "
                                   "can be shared; Fill code works either way)")
        self.show_codes.toggled.connect(lambda _c: self._render())
        self.follow = QCheckBox("Follow newest")
        self.follow.setChecked(True)
        phone = QFrame()
        phone.setObjectName("phone")
        phone.setMinimumWidth(280)
        phone.setMaximumWidth(380)
        # what the mock is armed to do wrong, on the lane where its messages would land
        self.armed = label("", "warning")
        self.armed.setObjectName("armedFaults")
        self.armed.hide()
        notch = label("●  Messages", "section", False)
        notch.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(10, 10, 10, 10)
        self.list_layout.setSpacing(10)
        self.list_layout.addStretch(1)
        self.empty = label("No messages on this phone yet. Start a flow in the site pane: the "
                           "code lands here.", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list_layout.insertWidget(0, self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list)
        self.scroll_area = scroll
        bar = scroll.verticalScrollBar()
        bar.rangeChanged.connect(lambda _lo, hi: bar.setValue(hi))  # newest message in view
        pl = QVBoxLayout(phone)
        pl.setContentsMargins(10, 12, 10, 14)
        pl.addWidget(notch)
        pl.addWidget(self.armed)
        pl.addWidget(self.number)
        pl.addWidget(scroll, 1)
        opts = QHBoxLayout()
        opts.addWidget(self.show_codes)
        opts.addWidget(self.follow)
        opts.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 10)
        lay.addWidget(phone, 1, Qt.AlignmentFlag.AlignHCenter)
        lay.addLayout(opts)
        self.number.activated.connect(lambda _i: self._on_pick())
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self._read)
        self._full = False  # the next read re-reads every number
        self._reading = False
        self._named: dict[str, None] = {}  # numbers an INBOX change named since the last read
        self._unnamed = False  # a delivery succeeded whose number no change has named yet

    def set_armed_faults(self, lines: list[str]) -> None:
        """Show the mock's armed faults (empty: hide the strip)."""
        providers: dict[str, int] = {}
        for line in lines:
            name = line.split(" — ", 1)[0]
            providers[name] = providers.get(name, 0) + 1
        self.armed.setText("⚠ Faults armed: " + ", ".join(
            f"{name} ×{n}" if n > 1 else name for name, n in providers.items()))
        self.armed.setToolTip("\n".join(lines))  # each fault in words
        self.armed.setVisible(bool(lines))

    @property
    def messages(self) -> list[Any]:
        return list(self._messages)

    def set_engine(self, engine: Engine) -> None:
        self._engine = engine
        self._generation += 1
        self.number.clear()
        self._messages = []
        self._render()
        self.refresh()

    def _on_pick(self) -> None:
        self.follow.setChecked(False)
        self.refresh()

    def refresh(self) -> None:
        """Re-read every number and the shown inbox soon (a workspace opened, a number picked)."""
        self._full = True
        self._soon()

    def on_inbox_changed(self, numbers: tuple[str, ...]) -> None:
        """Messages landed on ``numbers`` (an INBOX change; empty: on a number not named yet).

        Only what they touch is read again: the numbers join the list, and the shown inbox is
        re-read when it is one of them (or, following the newest, the inbox of the last one).
        """
        self._named.update(dict.fromkeys(numbers))
        self._unnamed = self._unnamed or not numbers
        self._soon()

    def _soon(self) -> None:
        # deliveries in a burst are read once
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _read(self) -> None:
        if self._engine is None or self._reading:
            return  # one read at a time: the one in flight asks for the next when it lands
        engine, follow = self._engine, self.follow.isChecked()
        chosen = self.number.currentText() or None
        full, named, unnamed = self._full, list(self._named), self._unnamed
        self._full, self._named, self._unnamed = False, {}, False
        self._reading = True
        gen = self._generation

        def read() -> tuple[list[str], str | None, list[Any] | None]:
            if full:  # every number, and the shown one (the newest, when following)
                numbers = engine.inbox_numbers()
                number = chosen
                if follow or number is None:
                    latest = engine.inbox(limit=1)
                    number = latest[-1].to if latest else number
                return numbers, number, engine.inbox(number, limit=200) if number else []
            number = chosen
            if follow and unnamed:  # a message on a number the feed hasn't named yet
                latest = engine.inbox(limit=1)
                number = latest[-1].to if latest else number
            elif follow and named:
                number = named[-1]
            elif not unnamed and number not in named:
                return named, number, None  # the shown inbox is untouched: new numbers only
            if number is not None and number not in named:
                named.append(number)
            return named, number, engine.inbox(number, limit=200) if number else []

        def failed(exc: BaseException) -> None:
            self._reading = False  # the next change reads again; the status bar says why not
            self._tasks.failed.emit("Reading the phone", f"{type(exc).__name__}: {exc}")

        self._tasks.run(read, lambda res: self._on_read(gen, full, res), failed,
                        title="Reading the phone")

    def _on_read(self, gen: int, full: bool,
                 res: tuple[list[str], str | None, list[Any] | None]) -> None:
        self._reading = False
        if self._full or self._named or self._unnamed:
            self._soon()  # what arrived while this read was out
        if gen != self._generation:  # read for a workspace that has been closed since
            return
        numbers, number, messages = res
        self.number.blockSignals(True)
        shown = [self.number.itemText(i) for i in range(self.number.count())]
        if full and shown != numbers:
            self.number.clear()
            self.number.addItems(numbers)
        elif not full:
            for n in numbers:  # a new number goes in its sorted place; the others stay
                if n not in shown:
                    at = next((i for i, s in enumerate(shown) if s > n), len(shown))
                    self.number.insertItem(at, n)
                    shown.insert(at, n)
        if number:
            self.number.setCurrentText(number)
        self.number.blockSignals(False)
        if messages is not None:
            old, self._messages = self._messages, messages
            if old and [m.id for m in messages[: len(old)]] == [m.id for m in old]:
                self._append(messages[len(old):])  # same inbox, new messages: add bubbles only
            else:
                self._render()
        self.refreshed.emit()

    def _render(self) -> None:
        while self.list_layout.count() > 2:  # keep the empty label and the stretch
            item = self.list_layout.takeAt(1)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.empty.setVisible(not self._messages)
        self.bubbles = []
        for i, m in enumerate(self._messages[-50:]):
            b = Bubble(m, self.show_codes.isChecked())
            b.fill.connect(self.fill_requested)
            self.list_layout.insertWidget(1 + i, b)
            self.bubbles.append(b)

    def restyle(self) -> None:
        self._render()

    def _append(self, messages: list[Any]) -> None:
        self.empty.setVisible(not self._messages)
        for m in messages:
            b = Bubble(m, self.show_codes.isChecked())
            b.fill.connect(self.fill_requested)
            self.list_layout.insertWidget(self.list_layout.count() - 1, b)
            self.bubbles.append(b)

    def latest_code(self) -> str | None:
        for m in reversed(self._messages):
            if m.otp:
                return m.otp
        return None
