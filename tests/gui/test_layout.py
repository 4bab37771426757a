"""Layouts that hold from 1280×720 up: the window fits, every pane's key controls are visible and
unclipped at 1280×720 and 1920×1080, docks recover after the window grows back, presenter mode
scales text, and the wheel never changes an unfocused combo box in the provider editor."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from otp_bench.gui.main_window import TAB_EDITOR, TAB_HEADLESS, TAB_SITE
from tests.gui.helpers import idle

SIZES = [QSize(1280, 720), QSize(1920, 1080)]


def _settle(qtbot: Any, w: Any) -> None:
    qtbot.wait(1)  # the adaptive layout applies on the next loop turn
    QApplication.processEvents()
    idle(qtbot, w)


def _resize(qtbot: Any, w: Any, size: QSize) -> None:
    w.resize(size)
    qtbot.waitUntil(lambda: w.size() == size)
    _settle(qtbot, w)


def _unclipped(widget: QWidget) -> str | None:
    """None when ``widget`` is shown whole: not hidden, not squashed below its minimum, not cut
    by any ancestor (scroll areas are scrolled to it first, as a user would)."""
    if not widget.isVisible():
        return "hidden"
    hint = widget.minimumSizeHint()
    if widget.width() < min(hint.width(), 40) or widget.height() < hint.height():
        return f"squashed to {widget.size().toTuple()} (needs {hint.toTuple()})"
    QApplication.processEvents()  # pending layouts first: then scrolling lands where it should
    for parent in _ancestors(widget):
        if isinstance(parent, QScrollArea):  # scroll it to the top-left corner of the view
            pos = widget.mapTo(parent.widget(), QPoint(0, 0))
            parent.verticalScrollBar().setValue(pos.y() - 4)
            parent.horizontalScrollBar().setValue(pos.x() - 4)
    QApplication.processEvents()
    rect = QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        area = QRect(parent.mapTo(widget.window(), QPoint(0, 0)), parent.size())
        if not area.contains(rect):
            return (f"cut by {type(parent).__name__} {parent.objectName()!r}: "
                    f"{rect.getRect()} outside {area.getRect()}")
        parent = parent.parentWidget()
    return None


def _check(widgets: dict[str, QWidget]) -> None:
    problems = {name: p for name, wd in widgets.items() if (p := _unclipped(wd))}
    assert not problems, problems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_every_pane_fits(qtbot: Any, window: Any, size: QSize) -> None:
    w = window
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    _resize(qtbot, w, size)
    assert w.size() == size
    w.tabs.setCurrentIndex(TAB_SITE)
    _settle(qtbot, w)
    sp = w.site_pane
    page = sp.pages[sp.use_case]
    tree = w.tree
    _check({"site chooser": sp.site, "flow chooser": sp.flow, "start over": sp.restart_button,
            "username": page.username, "send": page.button,
            "add site": tree.add_buttons["site"], "add provider": tree.add_buttons["provider"],
            "log filter": w.log.filter, "log table": w.log.table})
    w.docks["phone"].raise_()
    _settle(qtbot, w)
    _check({"show codes": w.phone.show_codes})
    w.docks["flags"].raise_()
    _settle(qtbot, w)
    _check({"flags table": w.flags.table})
    rows = w.flags.table.viewport().height() // max(1, w.flags.table.rowHeight(0))
    assert rows >= min(5, w.flags.model.rowCount()), f"the Flags table shows only {rows} rows"

    w.open_editor("provider", None)
    _settle(qtbot, w)
    assert w.tabs.currentIndex() == TAB_EDITOR
    ed = w.editor
    ed.kind.setCurrentIndex(1)
    _settle(qtbot, w)
    _check({"name": ed.name, "save": ed.save_button, "preset": ed.http.preset,
            "base url": ed.http.base_url, "rules": ed.http.rules})

    w.tabs.setCurrentIndex(TAB_HEADLESS)
    _settle(qtbot, w)
    hp = w.headless_pane
    _check({"headless username": hp.username, "init": hp.init_button})


def test_demo_mode_fits_1280x720(qtbot: Any, window: Any) -> None:
    w = window
    w.show_demo(True)
    _resize(qtbot, w, QSize(1280, 720))
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    bar = w.demo_bar
    _check({"demo scenario": bar.scenario, "play": bar.play_button, "step": bar.step_button,
            "restart": bar.restart_button, "close": bar.close_button, "caption": bar.caption})
    w.show_demo(False)


def test_docks_recover_after_growing_back(qtbot: Any, window: Any) -> None:
    w = window
    _resize(qtbot, w, QSize(1920, 1080))
    w.default_dock_sizes()
    _settle(qtbot, w)
    wide = (w.docks["log"].height(), w.docks["phone"].height(), w.docks["flags"].height())
    _resize(qtbot, w, QSize(1280, 720))
    assert w.tabifiedDockWidgets(w.docks["phone"]) == [w.docks["flags"]]  # one column of tabs
    _resize(qtbot, w, QSize(1920, 1080))
    assert not w.tabifiedDockWidgets(w.docks["phone"])
    again = (w.docks["log"].height(), w.docks["phone"].height(), w.docks["flags"].height())
    for before, after in zip(wide, again, strict=True):
        assert abs(before - after) <= 30, (wide, again)
    assert w.docks["flags"].height() > 200 and w.docks["log"].height() > 250


def test_presenter_mode_scales_text(qtbot: Any, window: Any) -> None:
    w = window
    before = QApplication.font().pixelSize()
    w.menu_actions["presenter"].trigger()
    try:
        assert QApplication.font().pixelSize() > before
        assert w.settings.value("presenter") == "true"
    finally:
        w.menu_actions["presenter"].trigger()
    assert QApplication.font().pixelSize() == before


def _wheel(widget: QWidget, steps: int = -3) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_scrolls_the_provider_editor_without_changing_combo_boxes(
        qtbot: Any, window: Any) -> None:
    w = window
    _resize(qtbot, w, QSize(1280, 720))
    w.open_editor("provider", None)
    _settle(qtbot, w)
    ed = w.editor
    ed.kind.setCurrentIndex(1)
    _settle(qtbot, w)
    body = ed.http.body_format
    before = body.currentText()
    area = next(p for p in _ancestors(body) if isinstance(p, QScrollArea))
    area.ensureWidgetVisible(body)
    start = area.verticalScrollBar().value()
    w.setFocus()
    _wheel(body)
    _wheel(ed.kind)
    assert body.currentText() == before, "the wheel changed the body format"
    assert ed.kind.currentIndex() == 1
    assert area.verticalScrollBar().value() != start, "the wheel should scroll the form instead"
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    body.setFocus()
    qtbot.waitUntil(body.hasFocus)
    _wheel(body, -1)  # focused: the wheel is the user's choice
    assert body.currentText() != before


def _ancestors(widget: QWidget) -> list[QWidget]:
    out, p = [], widget.parentWidget()
    while p is not None:
        out.append(p)
        p = p.parentWidget()
    return out
