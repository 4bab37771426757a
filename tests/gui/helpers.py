"""Driving the app like a user in GUI tests: pick from combo boxes, click (after scrolling into
view), wait for workers, take the code off the phone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def idle(qtbot: Any, w: Any) -> None:
    """Wait until every worker task has reported back to the GUI thread."""
    qtbot.waitUntil(lambda: w.tasks.pending == 0, timeout=10000)


def choose(qtbot: Any, combo: Any, text: str) -> None:
    """Pick ``text`` in a combo box the way a user does: click it, then click the entry."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.showPopup()
    view = combo.view()
    rect = view.visualRect(view.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: combo.currentIndex() == index)


def click(qtbot: Any, widget: Any) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractButton, QCheckBox, QScrollArea

    areas = []
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            areas.append(parent)
        parent = parent.parentWidget()

    def in_view() -> bool:  # scroll it into view first, as a user would (layouts may be pending)
        for area in areas:
            area.ensureWidgetVisible(widget)
        return not widget.visibleRegion().isEmpty()

    qtbot.waitUntil(in_view, timeout=3000)
    if isinstance(widget, QCheckBox):  # only the box and its text are clickable, not the row
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
        return
    assert not isinstance(widget, QAbstractButton) or widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def last_message_id(w: Any) -> int:
    msgs = w.phone.messages
    return int(msgs[-1].id) if msgs else 0


def fill_code_from_phone(qtbot: Any, w: Any, after_id: int) -> str:
    """Wait for a message newer than ``after_id`` on the phone, then press its "Fill code"."""
    qtbot.waitUntil(lambda: bool(w.phone.bubbles) and last_message_id(w) > after_id
                    and w.phone.messages[-1].otp is not None, timeout=10000)
    bubble = w.phone.bubbles[-1]
    from PySide6.QtWidgets import QPushButton

    button = bubble.findChild(QPushButton, "fillCode")
    click(qtbot, button)
    return str(w.phone.messages[-1].otp)
