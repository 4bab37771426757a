"""Static panels of the main window: the first-run offer and the empty editor tab."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from otp_bench.gui.widgets.forms import label


def editor_placeholder() -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.addStretch(1)
    lab = label("Pick a site, user or provider in the Workspace tree to edit it, or use "
                "+ Site / + User / + Provider.", "muted")
    lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lay.addWidget(lab)
    lay.addStretch(1)
    return w


def first_run_banner(load_sample: Callable[[], None]) -> QFrame:
    """Shown while the workspace is empty: one click loads the sample workspace."""
    f = QFrame()
    f.setObjectName("firstRun")
    f.setProperty("role", "note")
    lay = QHBoxLayout(f)
    lay.setContentsMargins(14, 10, 14, 10)
    lay.addWidget(label("<b>This workspace is empty.</b> Load the sample workspace — three "
                        "branded sites, scripted providers and users covering every flag "
                        "combination — and walk a passwordless login in a minute.", ""), 1)
    b = QPushButton("Load sample workspace")
    b.setObjectName("loadSample")
    b.setProperty("primary", True)
    b.clicked.connect(load_sample)
    lay.addWidget(b)
    f.hide()
    return f
