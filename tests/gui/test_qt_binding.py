"""The Qt binding the app runs on keeps Python's reference counts: PySide6-Essentials 6.12.0 on
CPython 3.11 drops one reference to None on every void call (``setText``, ``addChild``...), and the
app dies with "Fatal Python error: none_dealloc" once a few thousand calls have run (a busy log, a
workspace refresh of a thousand users). pyproject excludes that release; this says so if one
comes back."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem


def test_void_qt_calls_leave_none_alive(qtbot: Any) -> None:
    label, tree = QLabel(), QTreeWidget()
    qtbot.addWidget(label)
    qtbot.addWidget(tree)
    top = QTreeWidgetItem(["top"])
    tree.addTopLevelItem(top)
    before = sys.getrefcount(None)
    for i in range(500):
        label.setText(str(i))
        top.addChild(QTreeWidgetItem([str(i)]))
    lost = before - sys.getrefcount(None)
    assert lost < 100, (f"{lost} references to None lost in 1000 Qt calls: this PySide6 build "
                        "would crash the app (none_dealloc); pin another release")
