"""The demo bar: pick a preset (or any scenario file), a pace, then play / pause / step / restart;
the caption under it narrates each step in large type.

Presets are the shipped ``resources/scenarios/demo_*.yaml`` (happy path, slow provider, provider
down, invalid number, verified-only, resend storm, expired code): plain scenario files that
``otp-bench run`` also checks, so a demo never shows behaviour the runner wouldn't confirm.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from otp_bench.gui.demo.player import PACES, DemoPlayer
from otp_bench.gui.layout import compact_combo
from otp_bench.gui.widgets.forms import hbox

OPEN_FILE = "__open__"


def presets() -> list[tuple[str, str]]:
    """(title, path) of the shipped demo scenarios, in the order a demo tells the story."""
    import yaml

    from otp_bench.scenario import shipped

    order = ["happy_path", "slow_provider", "provider_down", "invalid_number", "verified_only",
             "resend_storm", "expired_code"]
    names = [n for n in shipped.names() if n.startswith("demo_")]
    names.sort(key=lambda n: order.index(n[5:]) if n[5:] in order else len(order))
    out = []
    for n in names:
        path = shipped.path(n)
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        title = str(doc.get("name", n)).removeprefix("Demo — ").split(":")[0]
        out.append((title[:1].upper() + title[1:], str(path)))
    return out


class DemoBar(QFrame):
    """Signals: closed() when the user leaves demo mode."""

    closed = Signal()

    def __init__(self, player: DemoPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoBar")
        self.player = player
        self.scenario = compact_combo(QComboBox(), 14)  # the bar fits a 1280×720 window
        self.scenario.setObjectName("demoScenario")
        for title, path in presets():
            self.scenario.addItem(title, path)
        self.scenario.addItem("Open a scenario file…", OPEN_FILE)
        self.pace = QComboBox()
        self.pace.setObjectName("demoPace")
        self.pace.addItems(list(PACES))
        self.pace.setCurrentText("Normal")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("demoPlay")
        self.play_button.setProperty("primary", True)
        self.step_button = QPushButton("Step ›")
        self.step_button.setObjectName("demoStep")
        self.restart_button = QPushButton("↺ Restart")
        self.restart_button.setObjectName("demoRestart")
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Leave demo mode: the workspace that was open comes back")
        self.close_button.setObjectName("demoClose")
        self.caption = QLabel("Pick a scenario and press Play.")
        self.caption.setObjectName("demoCaption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        row = hbox()
        row.addWidget(QLabel("Demo"))
        row.addWidget(self.scenario, 1)
        row.addWidget(QLabel("Pace"))
        row.addWidget(self.pace)
        for b in (self.play_button, self.step_button, self.restart_button, self.close_button):
            b.setProperty("compact", True)
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(6)
        lay.addLayout(row)
        lay.addWidget(self.caption)
        self.scenario.activated.connect(lambda _i: self._pick())
        self.pace.currentTextChanged.connect(player.set_pace)
        self.play_button.clicked.connect(self._toggle)
        self.step_button.clicked.connect(player.step)
        self.restart_button.clicked.connect(lambda: player.restart(play=True))
        self.close_button.clicked.connect(self.closed.emit)
        player.caption.connect(self.caption.setText)
        player.state_changed.connect(self._on_state)

    def load_current(self) -> None:
        path = self.scenario.currentData()
        if path and path != OPEN_FILE:
            self._load(path)

    def _pick(self) -> None:
        path = self.scenario.currentData()
        if path == OPEN_FILE:
            path, _ = QFileDialog.getOpenFileName(self, "Play a scenario", "",
                                                  "Scenario files (*.yaml *.yml)")
            if not path:
                return
        self._load(path)

    def _load(self, path: str) -> None:
        from otp_bench.scenario.model import ScenarioError

        try:
            self.player.load(path)
        except ScenarioError as exc:
            self.caption.setText(f"This scenario can't be played: {exc}")

    def _toggle(self) -> None:
        if self.player.state == "playing":
            self.player.pause()
        else:
            if self.player.scenario is None:
                self.load_current()
            self.player.play()

    def _on_state(self, state: str) -> None:
        self.play_button.setText("⏸ Pause" if state == "playing" else "▶ Play")
        self.step_button.setEnabled(state != "finished")
